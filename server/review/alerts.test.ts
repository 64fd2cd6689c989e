import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { alerts, conversations, webhookDeliveries } from '../db/schema';
import { createSite } from '../domain/sites';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { startReceiver } from '../test/webhook-receiver';
import { setSiteWebhook } from '../webhooks/config';
import { enqueueWebhook } from '../webhooks/outbox';
import { startWebhookWorker } from '../webhooks/worker';
import { evaluateWindow, listAlertPage, startAlertJob } from './alerts';

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
const evaluate = (start = windowStart) => database.db.transaction((tx) => evaluateWindow(tx as never, start));
const hourAfter = (n: number) => new Date(windowStart.getTime() + n * HOUR);
const spikeHour = (n: number) => ({ from: hourAfter(n), spanMs: HOUR });

describe(`alerts (${testDbKind})`, () => {
  it('should raise a Not-helpful-rate alert for the topic of a seeded spike, and enqueue its webhook, without a site-wide one', async () => {
    const siteId = await site('Spike');
    await ratings(siteId, { ...week, total: 250, negatives: 15, topic: 'billing' });
    await ratings(siteId, { ...week, total: 250, negatives: 15, topic: 'shipping' });
    await ratings(siteId, { ...theHour, total: 50, negatives: 19, topic: 'billing' });
    await ratings(siteId, { ...theHour, total: 10, negatives: 0, topic: 'shipping' });
    await evaluate();
    // The site-wide rate (19 of 60) jumps too, but only because of billing: without it, 0 of 10 against 15 of 250.
    const rows = await alertsOf(siteId);
    expect(rows.map((r) => [r.metric, r.topic])).toEqual([['negative_rate', 'billing']]);
    expect(rows[0]).toMatchObject({ observedCount: 19, observedTotal: 50, baselineTotal: 250, windowEnd: new Date(windowStart.getTime() + HOUR) });
    expect(rows[0]!.observedRate).toBeCloseTo(0.38);
    expect(rows[0]!.baselineRate).toBeCloseTo(0.06);
    expect(rows[0]!.message).toBe('Not-helpful rate for topic "billing" 38% (19 of 50 ratings) in 2026-11-20 14:00–15:00 UTC, baseline 6% (15 of 250) over the previous 7 days');

    const deliveries = await deliveriesOf(siteId);
    expect(deliveries.map((d) => d.event)).toEqual(['alert.raised']);
    const body = JSON.parse(deliveries[0]!.body);
    expect(body).toMatchObject({
      type: 'alert.raised',
      siteId,
      data: { alert: { id: rows[0]!.id, metric: 'negative_rate', metricLabel: 'Not-helpful rate', topic: 'billing', hours: 1, observedCount: 19, observedTotal: 50, message: rows[0]!.message } },
    });
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
    expect(rows.map((r) => [r.metric, r.topic])).toEqual([['escalation_rate', 'refunds']]);
    expect(rows[0]!.message).toBe('Escalation rate for topic "refunds" 25% (10 of 40 answers) in 2026-11-20 14:00–15:00 UTC, baseline 1% (20 of 2000) over the previous 7 days');
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

  it('should raise a site-wide alert when the jump is not explained by the topics alerting', async () => {
    const siteId = await site('Everywhere');
    await ratings(siteId, { ...week, total: 500, negatives: 30, topic: 'billing' });
    await ratings(siteId, { ...week, total: 500, negatives: 30 });
    await ratings(siteId, { ...theHour, total: 50, negatives: 25, topic: 'billing' });
    // Untopical ratings jump as well: without billing, 20 of 50 against 30 of 500 still fires.
    await ratings(siteId, { ...theHour, total: 50, negatives: 20 });
    await evaluate();
    const rows = await alertsOf(siteId);
    expect(rows.map((r) => r.topic).sort()).toEqual(['', 'billing']);
    expect(await deliveriesOf(siteId)).toHaveLength(2);
  });

  it('should make a 3-hour spike one incident with one webhook, and start a new one after a quiet hour', async () => {
    const siteId = await site('Incident');
    await ratings(siteId, { ...week, total: 500, negatives: 30 });
    for (const n of [0, 1, 2]) await ratings(siteId, { ...spikeHour(n), total: 50, negatives: 20 });
    await ratings(siteId, { ...spikeHour(3), total: 50, negatives: 3 });
    await ratings(siteId, { ...spikeHour(4), total: 50, negatives: 20 });

    const raised = [];
    for (const n of [0, 1, 2, 3]) raised.push(...(await evaluate(hourAfter(n))).filter((a) => a.siteId === siteId));
    expect(raised.map((a) => a.kind)).toEqual(['raised']);
    const [incident] = await alertsOf(siteId);
    expect(await alertsOf(siteId)).toHaveLength(1);
    expect(incident).toMatchObject({ windowStart: windowStart, windowEnd: hourAfter(3), observedCount: 20, observedTotal: 50 });
    expect(incident!.message).toBe(
      'Not-helpful rate 40% (20 of 50 ratings) in 2026-11-20 16:00–17:00 UTC, the 3rd hour in a row since 14:00 UTC, baseline 5% (24 of 494) over the previous 7 days',
    );
    expect((await deliveriesOf(siteId)).map((d) => d.event)).toEqual(['alert.raised']);

    // Re-judging an hour of the incident changes nothing.
    expect((await evaluate(hourAfter(1))).filter((a) => a.siteId === siteId)).toEqual([]);
    expect((await alertsOf(siteId))[0]!.windowEnd).toEqual(hourAfter(3));

    // The quiet hour ended it: the next spike is a new alert with its own webhook.
    expect((await evaluate(hourAfter(4))).filter((a) => a.siteId === siteId).map((a) => a.kind)).toEqual(['raised']);
    expect((await alertsOf(siteId)).map((r) => r.windowStart.getTime()).sort()).toEqual([windowStart.getTime(), hourAfter(4).getTime()]);
    expect(await deliveriesOf(siteId)).toHaveLength(2);
  });

  it('should send an incident again only when an hour is markedly worse than the one last sent', async () => {
    const siteId = await site('Worse');
    await ratings(siteId, { ...week, total: 1000, negatives: 20 });
    await ratings(siteId, { ...spikeHour(0), total: 100, negatives: 15 }); // 15%, Wilson [9%, 23%]
    await ratings(siteId, { ...spikeHour(1), total: 100, negatives: 20 }); // 20%: worse, not markedly
    await ratings(siteId, { ...spikeHour(2), total: 100, negatives: 45 }); // 45%, Wilson low 35% > 23%
    const kinds = [];
    for (const n of [0, 1, 2]) kinds.push(...(await evaluate(hourAfter(n))).filter((a) => a.siteId === siteId).map((a) => a.kind));
    expect(kinds).toEqual(['raised', 'worse']);
    const [incident] = await alertsOf(siteId);
    const bodies = (await deliveriesOf(siteId)).map((d) => JSON.parse(d.body).data.alert);
    expect(bodies.map((b) => [b.id, b.hours, b.observedCount, b.windowEnd])).toEqual([
      [incident!.id, 1, 15, hourAfter(1).toISOString()],
      [incident!.id, 3, 45, hourAfter(3).toISOString()],
    ]);
    expect(bodies[1].windowStart).toBe(windowStart.toISOString());
  });

  it('should leave the hours of an alert out of the baseline of later hours', async () => {
    const siteId = await site('Baseline');
    await ratings(siteId, { ...week, total: 500, negatives: 30 });
    await ratings(siteId, { ...spikeHour(0), total: 50, negatives: 25 });
    await ratings(siteId, { ...spikeHour(1), total: 20, negatives: 1 });
    await ratings(siteId, { ...spikeHour(2), total: 50, negatives: 25 });
    for (const n of [0, 1, 2]) await evaluate(hourAfter(n));
    const second = (await alertsOf(siteId)).find((r) => r.windowStart.getTime() === hourAfter(2).getTime())!;
    // The week's first two hours have slid out of the window (500 ratings over 168 hours: 6 of them); the
    // quiet hour is in; the alerting hour is not.
    const weekStillIn = 500 - 6;
    expect(second.baselineTotal).toBe(weekStillIn + 20);
  });

  it('should list the alerts overlapping a range a page at a time, newest first', async () => {
    const siteId = await site('Pages');
    const row = (start: number, end: number) => ({
      siteId, metric: 'negative_rate' as const, windowStart: hourAfter(start), windowEnd: hourAfter(end),
      observedCount: 20, observedTotal: 50, observedRate: 0.4, baselineRate: 0.06, baselineTotal: 500, message: `from ${start}`,
    });
    // One began before the range and went on into it; one ended before it.
    await database.db.insert(alerts).values([row(-3, -1), row(-1, 1), row(2, 3), row(4, 5), row(6, 7)]);
    const range = { from: windowStart.toISOString(), to: hourAfter(10).toISOString() };
    const first = await listAlertPage(database.db, siteId, range, 2);
    expect(first.map((a) => a.message)).toEqual(['from 6', 'from 4']);
    const last = first[1]!;
    const second = await listAlertPage(database.db, siteId, { ...range, before: { windowStart: last.windowStart, id: last.id } }, 2);
    expect(second.map((a) => a.message)).toEqual(['from 2', 'from -1']);
    expect(second[1]).toMatchObject({ topic: null, windowStart: hourAfter(-1).toISOString(), windowEnd: hourAfter(1).toISOString() });
    const end = await listAlertPage(database.db, siteId, { ...range, before: { windowStart: second[1]!.windowStart, id: second[1]!.id } }, 2);
    expect(end).toEqual([]);
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

  it('should catch up missed hours oldest first, so that a spike across them is one incident', async () => {
    const siteId = await site('Catch-up');
    const start = new Date('2026-11-22T09:00:00Z');
    await ratings(siteId, { from: new Date(start.getTime() - 7 * 24 * HOUR), spanMs: 7 * 24 * HOUR, total: 500, negatives: 30 });
    for (const n of [0, 1, 2]) await ratings(siteId, { from: new Date(start.getTime() + n * HOUR), spanMs: HOUR, total: 50, negatives: 20 });
    const job = startAlertJob(database.db, { intervalMs: 0, lookbackHours: 3 });
    const ran = await job.runOnce(new Date(start.getTime() + 3 * HOUR + minutes(3)));
    await job.close();
    expect(ran.raised.filter((a) => a.siteId === siteId).map((a) => a.kind)).toEqual(['raised']);
    expect(await alertsOf(siteId)).toMatchObject([{ windowStart: start, windowEnd: new Date(start.getTime() + 3 * HOUR) }]);
    expect(await deliveriesOf(siteId)).toHaveLength(1);
  });
});

describe(`alert webhook signature (${testDbKind})`, () => {
  // A database of its own: the worker sends every due delivery, and the other tests' sites point nowhere.
  let own: Database;
  beforeAll(async () => {
    own = await openTestDatabase();
  });
  afterAll(() => own.close());

  it('should sign an alert.raised delivery exactly as an escalation delivery', async () => {
    const receiver = await startReceiver();
    try {
      const s = await createSite(own.db, { name: 'Signed', origins: [] });
      const { secret } = await setSiteWebhook(own.db, s.siteId, receiver.url);
      await own.db.execute(sql`
        insert into cases (site_id, source, source_id, conversation_id, occurred_at, rating, negative, classified_at)
        select ${s.siteId}::uuid, 'feedback', gen_random_uuid(), gen_random_uuid(),
               ${windowStart.toISOString()}::timestamptz - (i + 1) * interval '20 minutes', case when i < 30 then -1 else 1 end, i < 30, now()
        from generate_series(0, 499) as i
        union all
        select ${s.siteId}::uuid, 'feedback', gen_random_uuid(), gen_random_uuid(),
               ${windowStart.toISOString()}::timestamptz + i * interval '1 minute', case when i < 25 then -1 else 1 end, i < 25, now()
        from generate_series(0, 49) as i`);
      const raised = await own.db.transaction((tx) => evaluateWindow(tx as never, windowStart));
      expect(raised).toHaveLength(1);
      // An escalation delivery beside it, enqueued the way escalations are.
      await enqueueWebhook(own.db, s.siteId, 'escalation.created', { escalation: { id: randomUUID() } });

      const worker = startWebhookWorker(own.db, null, { pollMs: 10 });
      const got = await receiver.until((list) => list.length === 2).finally(() => worker.close());
      const byEvent = new Map(got.map((req) => [String(req.headers['x-backstop-event']), req]));
      expect([...byEvent.keys()].sort()).toEqual(['alert.raised', 'escalation.created']);
      for (const req of got) {
        // Verified by hand, as a receiver would (and as the webhook suite does), not with the server's signing function.
        const timestamp = String(req.headers['x-backstop-timestamp']);
        const expected = Buffer.from(createHmac('sha256', secret!).update(`${timestamp}.${req.body}`).digest('hex'));
        const sent = Buffer.from(String(req.headers['x-backstop-signature']).replace(/^v1=/, ''));
        expect(sent.length === expected.length && timingSafeEqual(sent, expected)).toBe(true);
        expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
        expect(req.headers['x-backstop-delivery']).toBe(JSON.parse(req.body).id);
      }
      const headerNames = (event: string) => Object.keys(byEvent.get(event)!.headers).filter((h) => h.startsWith('x-backstop-')).sort();
      expect(headerNames('alert.raised')).toEqual(headerNames('escalation.created'));
      expect(JSON.parse(byEvent.get('alert.raised')!.body)).toMatchObject({ type: 'alert.raised', siteId: s.siteId, data: { alert: { id: raised[0]!.id } } });
    } finally {
      await receiver.close();
    }
  });
});
