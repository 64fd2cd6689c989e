import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { alerts, conversations, webhookDeliveries } from '../db/schema';
import { createSite } from '../domain/sites';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { setSiteWebhook } from '../webhooks/config';
import { evaluateWindow, startAlertJob } from './alerts';

let database: Database;
const HOUR = 3_600_000;
const windowStart = new Date('2026-11-20T14:00:00Z');
const minutes = (n: number) => n * 60_000;

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

/** A site with a webhook (so alerts enqueue deliveries). */
async function site(name: string) {
  const s = await createSite(database.db, { name, origins: [] });
  await setSiteWebhook(database.db, s.siteId, 'https://hooks.example.com/backstop');
  return s.siteId;
}

/**
 * Ratings (feedback cases) spread evenly over [from, from + spanMs): `total` of them, the first `negatives`
 * Not helpful.
 */
async function ratings(siteId: string, opts: { from: Date; spanMs: number; total: number; negatives: number; topic?: string | null; superseded?: boolean }) {
  await database.db.execute(sql`
    insert into cases (site_id, source, source_id, conversation_id, occurred_at, rating, negative, topic, classified_at, superseded)
    select ${siteId}, 'feedback', gen_random_uuid(), gen_random_uuid(),
           ${opts.from.toISOString()}::timestamptz + (i * ${opts.spanMs / opts.total}) * interval '1 millisecond',
           case when i < ${opts.negatives} then -1 else 1 end, i < ${opts.negatives}, ${opts.topic ?? null}, now(), ${opts.superseded ?? false}
    from generate_series(0, ${opts.total - 1}) as i`);
}

/** Agent answers and escalation cases spread over [from, from + spanMs). */
async function answersAndEscalations(siteId: string, opts: { from: Date; spanMs: number; answers: number; escalations: number; topic?: string | null }) {
  const conversationId = randomUUID();
  await database.db.insert(conversations).values({ id: conversationId, siteId, tokenHash: 'x' });
  const at = (n: number) => sql`${opts.from.toISOString()}::timestamptz + (i * ${opts.spanMs / n}) * interval '1 millisecond'`;
  await database.db.execute(sql`
    insert into messages (site_id, conversation_id, client_event_id, role, text, topic, body_hash, sent_at)
    select ${siteId}, ${conversationId}, gen_random_uuid(), 'agent', 'an answer', ${opts.topic ?? null}, 'x', ${at(opts.answers)}
    from generate_series(0, ${opts.answers - 1}) as i`);
  if (opts.escalations > 0)
    await database.db.execute(sql`
      insert into cases (site_id, source, source_id, conversation_id, occurred_at, negative, escalated, topic)
      select ${siteId}, 'escalation', gen_random_uuid(), ${conversationId}, ${at(opts.escalations)}, true, true, ${opts.topic ?? null}
      from generate_series(0, ${opts.escalations - 1}) as i`);
}

const week = { from: new Date(windowStart.getTime() - 7 * 24 * HOUR), spanMs: 7 * 24 * HOUR };
const theHour = { from: windowStart, spanMs: HOUR };
const alertsOf = (siteId: string) => database.db.select().from(alerts).where(eq(alerts.siteId, siteId));
const deliveriesOf = (siteId: string) => database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.siteId, siteId));
const evaluate = () => database.db.transaction((tx) => evaluateWindow(tx as never, windowStart));

describe(`alerts (${testDbKind})`, () => {
  it('should raise a negative-rate alert for the site and the topic on a seeded spike, and enqueue its webhook', async () => {
    const siteId = await site('Spike');
    await ratings(siteId, { ...week, total: 250, negatives: 15, topic: 'billing' });
    await ratings(siteId, { ...week, total: 250, negatives: 15, topic: 'shipping' });
    await ratings(siteId, { ...theHour, total: 50, negatives: 19, topic: 'billing' });
    await ratings(siteId, { ...theHour, total: 10, negatives: 0, topic: 'shipping' });
    await evaluate();
    const rows = (await alertsOf(siteId)).sort((a, b) => a.topic.localeCompare(b.topic));
    expect(rows.map((r) => [r.metric, r.topic])).toEqual([
      ['negative_rate', ''],
      ['negative_rate', 'billing'],
    ]);
    expect(rows[1]).toMatchObject({ observedCount: 19, observedTotal: 50, baselineTotal: 250, windowEnd: new Date(windowStart.getTime() + HOUR) });
    expect(rows[1]!.observedRate).toBeCloseTo(0.38);
    expect(rows[1]!.baselineRate).toBeCloseTo(0.06);
    expect(rows[1]!.message).toBe('Negative rate for topic "billing" 38% (19 of 50 ratings) in 2026-11-20 14:00–15:00 UTC, baseline 6% (15 of 250) over the previous 7 days');
    expect(rows[0]!.message).toBe('Negative rate 32% (19 of 60 ratings) in 2026-11-20 14:00–15:00 UTC, baseline 6% (30 of 500) over the previous 7 days');

    const deliveries = await deliveriesOf(siteId);
    expect(deliveries.map((d) => d.event)).toEqual(['alert.raised', 'alert.raised']);
    const body = JSON.parse(deliveries.find((d) => d.body.includes('"billing"'))!.body);
    expect(body).toMatchObject({ type: 'alert.raised', siteId, data: { alert: { metric: 'negative_rate', topic: 'billing', observedCount: 19, observedTotal: 50, message: rows[1]!.message } } });
  });

  it('should not raise anything for a quiet hour at the baseline rate', async () => {
    const siteId = await site('Quiet');
    await ratings(siteId, { ...week, total: 500, negatives: 30 });
    await ratings(siteId, { ...theHour, total: 50, negatives: 4 });
    await answersAndEscalations(siteId, { ...week, answers: 2000, escalations: 40 });
    await answersAndEscalations(siteId, { ...theHour, answers: 60, escalations: 2 });
    await evaluate();
    expect(await alertsOf(siteId)).toEqual([]);
    expect(await deliveriesOf(siteId)).toEqual([]);
  });

  it('should not count ratings the users changed later', async () => {
    const siteId = await site('Changed minds');
    await ratings(siteId, { ...week, total: 500, negatives: 30 });
    await ratings(siteId, { ...theHour, total: 50, negatives: 4 });
    // 30 Not helpful ratings in the hour that their users then changed (each answer counts by its newest rating).
    await ratings(siteId, { ...theHour, total: 30, negatives: 30, superseded: true });
    await evaluate();
    expect(await alertsOf(siteId)).toEqual([]);
  });

  it('should not raise anything on low volume (3 of 4 negative)', async () => {
    const siteId = await site('Low volume');
    await ratings(siteId, { ...week, total: 500, negatives: 10 });
    await ratings(siteId, { ...theHour, total: 4, negatives: 3 });
    await evaluate();
    expect(await alertsOf(siteId)).toEqual([]);
  });

  it('should raise an escalation-rate alert against answers', async () => {
    const siteId = await site('Escalations');
    await answersAndEscalations(siteId, { ...week, answers: 2000, escalations: 20, topic: 'refunds' });
    await answersAndEscalations(siteId, { ...theHour, answers: 40, escalations: 10, topic: 'refunds' });
    await evaluate();
    const rows = await alertsOf(siteId);
    expect(rows.map((r) => [r.metric, r.topic]).sort()).toEqual([
      ['escalation_rate', ''],
      ['escalation_rate', 'refunds'],
    ]);
    expect(rows.find((r) => r.topic === '')!.message).toBe('Escalation rate 25% (10 of 40 answers) in 2026-11-20 14:00–15:00 UTC, baseline 1% (20 of 2000) over the previous 7 days');
  });

  it('should not raise an alert or a webhook twice when re-run', async () => {
    const siteId = await site('Twice');
    await ratings(siteId, { ...week, total: 500, negatives: 30 });
    await ratings(siteId, { ...theHour, total: 50, negatives: 25 });
    const first = await evaluate();
    expect(first.filter((a) => a.siteId === siteId)).toHaveLength(1);
    const again = await evaluate();
    expect(again.filter((a) => a.siteId === siteId)).toEqual([]);
    expect(await alertsOf(siteId)).toHaveLength(1);
    expect(await deliveriesOf(siteId)).toHaveLength(1);
  });

  it('should judge an hour once it has ended and settled, and only once', async () => {
    const siteId = await site('Job');
    const start = new Date('2026-11-21T09:00:00Z');
    await ratings(siteId, { from: new Date(start.getTime() - 7 * 24 * HOUR), spanMs: 7 * 24 * HOUR, total: 500, negatives: 30 });
    await ratings(siteId, { from: start, spanMs: HOUR, total: 50, negatives: 25 });
    const job = startAlertJob(database.db, { intervalMs: 0, lookbackHours: 2 });
    const end = start.getTime() + HOUR;
    expect((await job.runOnce(new Date(end + minutes(1)))).raised.filter((a) => a.siteId === siteId)).toEqual([]);
    const settled = await job.runOnce(new Date(end + minutes(3)));
    expect(settled.windows).toBe(1);
    expect(settled.raised.filter((a) => a.siteId === siteId)).toHaveLength(1);
    expect(await job.runOnce(new Date(end + minutes(30)))).toEqual({ windows: 0, raised: [] });
    await job.close();
  });
});
