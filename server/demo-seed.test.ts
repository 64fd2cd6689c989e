/** `demo seed`: a believable history on the demo site, with cases made by the projector, and no second run unless forced. */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './db/client';
import { drafts, escalations, feedback, settings, staff, traces } from './db/schema';
import { rowsOf } from './domain/review-queries';
import { createSite, type CreatedSite } from './domain/sites';
import { listTopics } from './domain/topics';
import { DemoSeedRefusal, seedDemo, seededCounts, type DemoSeedResult } from './demo-seed';
import { openTestDatabase, testDbKind } from './test/test-db';

let database: Database;
let site: CreatedSite;
let result: DemoSeedResult;
const now = new Date('2026-12-05T12:00:00Z');

beforeAll(async () => {
  database = await openTestDatabase();
  site = await createSite(database.db, { name: 'Acme Cloud (demo)', origins: [] });
  // As the first start records the demo site (server/seed.ts).
  await database.db.insert(settings).values({ key: 'demo_site_id', value: site.siteId });
  result = await seedDemo(database.db, { now });
}, 180_000);
afterAll(async () => {
  await database?.close();
});

const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(query));

describe(`demo seed (${testDbKind})`, () => {
  it('should seed the demo site with about 3,000 answers, ratings, escalations, ~300 decided drafts and traces, and report the counts', async () => {
    expect(result.siteId).toBe(site.siteId);
    const counts = await seededCounts(database.db, site.siteId);
    expect(counts.answers).toBe(3000);
    expect(result).toMatchObject({ answers: 3000, ratings: counts.ratings, escalations: counts.escalations, drafts: counts.drafts, cases: counts.cases });
    expect(counts.ratings).toBeGreaterThan(800);
    expect(counts.escalations).toBeGreaterThan(100);
    expect(counts.drafts).toBeGreaterThan(250);
    expect(counts.drafts).toBeLessThan(400);
    const [stored] = await q<{ n: number }>(sql`select count(*)::int as n from traces where site_id = ${site.siteId}`);
    expect(stored!.n).toBe(result.traces);
    // Some answers have no trace (readiness: observability has something to say).
    expect(result.traces).toBeGreaterThan(2800);
    expect(result.traces).toBeLessThan(3000);
  });

  it('should spread the answers over the last six weeks, busier towards today, none in the future', async () => {
    const [spread] = await q<{ first: string; last: string; weeks: number; recent: number; oldest: number }>(sql`
      select min(sent_at)::text as first, max(sent_at)::text as last, count(distinct date_trunc('week', sent_at))::int as weeks,
        count(*) filter (where sent_at > ${now.toISOString()}::timestamptz - interval '7 days')::int as recent,
        count(*) filter (where sent_at < ${now.toISOString()}::timestamptz - interval '35 days')::int as oldest
      from messages where site_id = ${site.siteId} and role = 'agent'`);
    expect(new Date(spread!.first).getTime()).toBeGreaterThan(now.getTime() - 42 * 86_400_000 - 60_000);
    expect(new Date(spread!.first).getTime()).toBeLessThan(now.getTime() - 35 * 86_400_000);
    expect(new Date(spread!.last).getTime()).toBeLessThanOrEqual(now.getTime());
    expect(spread!.weeks).toBeGreaterThanOrEqual(6);
    expect(spread!.recent).toBeGreaterThan(spread!.oldest);
  });

  it('should define five topics with their policy, leave one seen in answers undefined, and tag traces with them', async () => {
    const topics = await listTopics(database.db, site.siteId);
    expect(topics.map((t) => [t.name, t.failureCost, t.autonomy])).toEqual([
      ['account deletion', 'high', 'suggest_handoff'],
      ['billing dates', 'low', 'auto'],
      ['password reset', 'low', 'auto'],
      ['refunds', 'high', 'human_review'],
      ['shipping', 'low', 'auto'],
    ]);
    const seen = await q<{ topic: string }>(sql`select distinct topic from messages where site_id = ${site.siteId} and role = 'agent' order by topic`);
    expect(seen.map((r) => r.topic)).toEqual(['account deletion', 'billing dates', 'password reset', 'plan upgrade', 'refunds', 'shipping']);
    const [tagged] = await database.db.select().from(traces).where(and(eq(traces.siteId, site.siteId), eq(traces.topic, 'refunds'))).limit(1);
    expect(tagged!.summary.topic).toBe('refunds');
  });

  it('should make confidence informative: the helpful rate rises with confidence', async () => {
    const bands = await q<{ band: string; rate: number; n: number }>(sql`
      select case when confidence < 0.6 then 'low' when confidence < 0.8 then 'mid' else 'high' end as band,
        avg(case when rating = 1 then 1.0 else 0 end)::float8 as rate, count(*)::int as n
      from feedback where site_id = ${site.siteId} and topic <> 'refunds' group by 1`);
    const rate = Object.fromEntries(bands.map((b) => [b.band, b.rate]));
    expect(rate.low!).toBeLessThan(rate.mid!);
    expect(rate.mid!).toBeLessThan(rate.high!);
    expect(rate.high!).toBeGreaterThan(0.85);
  });

  it('should decide every draft of the human_review topic, with edits, rejections and one reviewer approving in under a second', async () => {
    const rows = await database.db.select({ status: drafts.status, openMs: drafts.openMs, reviewer: staff.email, topic: drafts.topic }).from(drafts).innerJoin(staff, eq(staff.id, drafts.decidedBy)).where(eq(drafts.siteId, site.siteId));
    expect(new Set(rows.map((r) => r.topic))).toEqual(new Set(['refunds']));
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['approved', 'edited', 'rejected']));
    const approved = rows.filter((r) => r.status === 'approved');
    expect(approved.length / rows.length).toBeGreaterThan(0.93);
    const fastShare = (email: string) => {
      const mine = approved.filter((r) => r.reviewer === email);
      return mine.filter((r) => r.openMs! < 1000).length / mine.length;
    };
    expect(fastShare('sam@demo.backstop.local')).toBeGreaterThan(0.5);
    expect(fastShare('maya@demo.backstop.local')).toBe(0);
  });

  it('should resolve escalations with outcomes including agent_was_wrong, and have the projector make their cases', async () => {
    const outcomes = await q<{ outcome: string | null }>(sql`select distinct outcome from escalations where site_id = ${site.siteId}`);
    expect(outcomes.map((o) => o.outcome)).toEqual(expect.arrayContaining(['agent_was_wrong', 'agent_was_right', 'resolved', 'no_response']));
    const [made] = await q<{ feedback: number; escalation: number; wrong: number }>(sql`
      select count(*) filter (where source = 'feedback')::int as feedback, count(*) filter (where source = 'escalation')::int as escalation,
        count(*) filter (where outcome = 'agent_was_wrong')::int as wrong
      from cases where site_id = ${site.siteId}`);
    const ratings = (await database.db.select().from(feedback).where(eq(feedback.siteId, site.siteId))).length;
    const escalated = (await database.db.select().from(escalations).where(eq(escalations.siteId, site.siteId))).length;
    expect(made).toMatchObject({ feedback: ratings, escalation: escalated });
    expect(made!.wrong).toBeGreaterThan(0);
    // Tool failures in traces, not all of them escalated (readiness: tool-call resilience).
    const [tools] = await q<{ failed: number }>(sql`select count(*)::int as failed from traces where site_id = ${site.siteId} and (summary->>'errorCount')::int > 0`);
    expect(tools!.failed).toBeGreaterThan(20);
  });

  it('should refuse a second run unless forced, and add another history with --force', async () => {
    const again = await seedDemo(database.db, { now }).then(() => null, (e: Error) => e);
    expect(again).toBeInstanceOf(DemoSeedRefusal);
    expect(again!.message).toContain('already seeded');
    expect(again!.message).toContain('--force');
    expect((await seededCounts(database.db, site.siteId)).answers).toBe(3000);
    await seedDemo(database.db, { now, force: true, answers: 50 });
    expect((await seededCounts(database.db, site.siteId)).answers).toBe(3050);
    expect(await listTopics(database.db, site.siteId)).toHaveLength(5);
  }, 60_000);

  it('should refuse an unknown site by name', async () => {
    const err = await seedDemo(database.db, { siteId: '00000000-0000-4000-8000-000000000000' }).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(DemoSeedRefusal);
    expect(err!.message).toBe("No site with id or key '00000000-0000-4000-8000-000000000000'.");
  });
});
