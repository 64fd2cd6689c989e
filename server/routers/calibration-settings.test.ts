import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { auditLog, cases, sites } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { instanceOf, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { reviewConversation } from '../test/review-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { startCalibrationJob } from '../review/calibration-job';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let admin: Awaited<ReturnType<typeof signedInStaff>>;
let conversationId: string;

/** `n` rated answers at one confidence, `helpful` of them Helpful, rated an hour ago. */
async function rated(topic: string | null, confidence: number, n: number, helpful: number, superseded = false) {
  const at = new Date(Date.now() - 3_600_000);
  await database.db.insert(cases).values(
    Array.from({ length: n }, (_, i) => ({
      siteId: site.siteId,
      source: 'feedback' as const,
      sourceId: randomUUID(),
      conversationId,
      occurredAt: at,
      rating: i < helpful ? 1 : -1,
      confidence,
      topic,
      negative: i >= helpful,
      superseded,
    })),
  );
}

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Badges', origins: ['https://shop.example.com'] });
  admin = await signedInStaff(inst, 'admin', [site.siteId]);
  conversationId = await reviewConversation(database.db, site.siteId);
  // Another trust setting that a badge change must not overwrite.
  await database.db.update(sites).set({ trust: { defaultAutonomy: 'suggest_handoff' } }).where(eq(sites.id, site.siteId));
  // refunds: the hand-computed fixture of calibrated-thresholds.test.ts (High 0.8, Low 0.65 at an 85% target).
  for (const [c, n, h] of [[0.3, 20, 4], [0.5, 10, 4], [0.65, 10, 7], [0.8, 10, 9], [0.95, 20, 20]] as const) await rated('refunds', c, n, h);
  // billing: 10 confident answers, none helpful (too few for a topic fit, but they count site-wide).
  await rated('billing', 0.95, 10, 0);
  // Ratings the users changed later (superseded): not a sample of the fit, which counts each answer's newest rating.
  await rated('billing', 0.95, 5, 5, true);
});

afterAll(async () => {
  await inst?.close();
  await database?.close();
});

const config = () => widgetCaller(inst, site.publicKey).site.config();

describe(`calibrated badges (${testDbKind})`, () => {
  it('should keep the fixed thresholds and fit nothing while badges are fixed', async () => {
    expect(await admin.caller().badges.refit({ siteId: site.siteId })).toEqual({ mode: 'fixed', samples: 0, changed: [], kept: [] });
    const c = await config();
    expect(c.policy.thresholds).toEqual({ high: 0.8, low: 0.5 });
    expect(c.topicThresholds).toBeUndefined();
  });

  it('should switch to calibrated, fit the site and each topic with enough answers, and merge the setting', async () => {
    const state = await admin.caller().badges.set({ siteId: site.siteId, badgeMode: 'calibrated', calibrationTarget: 0.85, calibrationMinSamples: 20, reason: 'enough ratings' });
    expect(state.mode).toBe('calibrated');
    // Site-wide 0.95 is 20 of 30 helpful: nothing reaches 85%, so High is 1; the monotone curve reaches 60% at 0.65.
    expect(state.site).toMatchObject({ high: 1, low: 0.65, samples: 80 });
    expect(state.topics.map((t) => [t.topic, t.high, t.low, t.samples])).toEqual([['refunds', 0.8, 0.65, 70]]);
    expect(state.site!.curve.map((p) => p.helpfulRate)).toEqual([0.2, 0.4, 0.7, 0.725, 0.725]);
    const [row] = await database.db.select({ trust: sites.trust }).from(sites).where(eq(sites.id, site.siteId));
    expect(row!.trust).toEqual({ defaultAutonomy: 'suggest_handoff', badgeMode: 'calibrated', calibrationTarget: 0.85, calibrationMinSamples: 20 });
    const [audit] = await database.db.select().from(auditLog).where(and(eq(auditLog.siteId, site.siteId), eq(auditLog.action, 'badges.set')));
    expect(audit!.actor).toBe(admin.email);
    expect(audit!.details).toMatchObject({ before: { badgeMode: 'fixed', calibrationTarget: 0.9 }, after: { badgeMode: 'calibrated', calibrationTarget: 0.85 }, reason: 'enough ratings' });
  });

  it('should give the widget the calibrated thresholds, site-wide and per topic', async () => {
    const c = await config();
    expect(c.policy.thresholds).toEqual({ high: 1, low: 0.65 });
    expect(c.topicThresholds).toEqual({ refunds: { high: 0.8, low: 0.65 } });
  });

  it('should keep the stored thresholds when the data falls below the minimum', async () => {
    await admin.caller().badges.set({ siteId: site.siteId, calibrationMinSamples: 1000 });
    const result = await admin.caller().badges.refit({ siteId: site.siteId });
    expect(result).toMatchObject({ mode: 'calibrated', samples: 80, changed: [], kept: [] });
    expect((await config()).topicThresholds).toEqual({ refunds: { high: 0.8, low: 0.65 } });
  });

  it('should replace thresholds when new data moves them, on the periodic pass too', async () => {
    await admin.caller().badges.set({ siteId: site.siteId, calibrationMinSamples: 20 });
    // 30 more helpful answers at 0.65: at and above 0.65, 66 of 70 are helpful (lower bound 0.88 ≥ 0.85).
    await rated('refunds', 0.65, 30, 30);
    const job = startCalibrationJob(database.db, { intervalMs: 0 });
    try {
      expect(await job.runOnce()).toBe(1);
    } finally {
      await job.close();
    }
    expect((await config()).topicThresholds).toEqual({ refunds: { high: 0.65, low: 0.65 } });
    const audits = await database.db.select().from(auditLog).where(and(eq(auditLog.siteId, site.siteId), eq(auditLog.action, 'badges.refit')));
    expect(audits.length).toBe(2);
  });

  it('should go back to the fixed thresholds when switched to fixed', async () => {
    const state = await admin.caller().badges.set({ siteId: site.siteId, badgeMode: 'fixed' });
    expect(state.inForce).toEqual({ high: 0.8, low: 0.5 });
    const c = await config();
    expect(c.policy.thresholds).toEqual({ high: 0.8, low: 0.5 });
    expect(c.topicThresholds).toBeUndefined();
  });
});
