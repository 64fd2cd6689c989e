import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { auditLog, drafts, topics } from '../db/schema';
import { CLI_ACTOR } from '../domain/audit';
import { createSite, type CreatedSite } from '../domain/sites';
import { setTopic } from '../domain/topics';
import { readTrackRecord } from '../domain/track-record-query';
import { instanceOf, signedInStaff, type Instance } from '../test/handoff-fixtures';
import { addCase, addMessage, reviewConversation } from '../test/review-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let admin: Awaited<ReturnType<typeof signedInStaff>>;
let reviewer: Awaited<ReturnType<typeof signedInStaff>>;
let agent: Awaited<ReturnType<typeof signedInStaff>>;
let maya: Awaited<ReturnType<typeof signedInStaff>>;
let ade: Awaited<ReturnType<typeof signedInStaff>>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.now();
const ago = (ms: number) => new Date(now - ms);
/** 200 characters: reading it takes 2000 + 1500 × 2 = 5000 ms with the default settings. */
const DRAFT_TEXT = 'You can get a refund within 30 days of purchase. '.repeat(4).slice(0, 200);

/** An agent answer (as a held draft when `draft` is given), on a new conversation. */
async function answer(topic: string | undefined, at: Date, draft?: { status: 'approved' | 'edited' | 'rejected'; by: string; openMs: number | null }) {
  const conversationId = await reviewConversation(database.db, site.siteId);
  const messageId = await addMessage(database.db, site.siteId, conversationId, { role: 'agent', text: DRAFT_TEXT, sentAt: at, topic });
  if (draft) {
    await database.db.insert(drafts).values({
      siteId: site.siteId, conversationId, messageId, topic, status: draft.status, decidedBy: draft.by, decidedAt: new Date(at.getTime() + 60_000),
      openMs: draft.openMs, finalText: DRAFT_TEXT, createdAt: at,
    });
  }
  return { conversationId, messageId };
}

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Shop', origins: ['https://shop.example.com'] });
  [admin, reviewer, agent, maya, ade] = await Promise.all([
    signedInStaff(inst, 'admin', [site.siteId]),
    signedInStaff(inst, 'reviewer', [site.siteId]),
    signedInStaff(inst, 'agent', [site.siteId]),
    signedInStaff(inst, 'agent', [site.siteId], 'Maya'),
    signedInStaff(inst, 'agent', [site.siteId], 'Ade'),
  ]);
  await setTopic(database.db, CLI_ACTOR, { siteId: site.siteId, name: 'refunds', failureCost: 'high', autonomy: 'human_review' });
  await setTopic(database.db, CLI_ACTOR, { siteId: site.siteId, name: 'account deletion', failureCost: 'high', autonomy: 'auto' });

  // refunds: Maya approves 12 drafts in 0.5 s each; Ade approves 8 after 20 s, edits one, rejects one; one of
  // Ade's approvals is 20 days old (week 12 − ⌊20/7⌋ = 10 of 0..12). One decision is older than the window.
  for (let i = 0; i < 12; i++) await answer('refunds', ago(2 * DAY + i * HOUR), { status: 'approved', by: maya.id, openMs: 500 });
  for (let i = 0; i < 7; i++) await answer('refunds', ago(3 * DAY + i * HOUR), { status: 'approved', by: ade.id, openMs: 20_000 });
  await answer('refunds', ago(20 * DAY), { status: 'approved', by: ade.id, openMs: 20_000 });
  await answer('refunds', ago(4 * DAY), { status: 'edited', by: ade.id, openMs: 45_000 });
  await answer('refunds', ago(4 * DAY), { status: 'rejected', by: ade.id, openMs: 30_000 });
  await answer('refunds', ago(100 * DAY), { status: 'rejected', by: ade.id, openMs: 30_000 });

  // billing: 5 answers; 3 rated helpful, 1 not; 2 escalations, one resolved agent_was_wrong.
  const billing = [];
  for (let i = 0; i < 5; i++) billing.push(await answer('billing', ago(DAY + i * HOUR)));
  for (let i = 0; i < 4; i++) {
    await addCase(database.db, site.siteId, { conversationId: billing[i]!.conversationId, messageId: billing[i]!.messageId, occurredAt: ago(DAY), rating: i < 3 ? 1 : -1, topic: 'billing' });
  }
  // The user rated the first answer Not helpful before changing it to Helpful: that older rating does not count.
  await addCase(database.db, site.siteId, { conversationId: billing[0]!.conversationId, messageId: billing[0]!.messageId, occurredAt: ago(DAY + HOUR), rating: -1, topic: 'billing', superseded: true });
  await addCase(database.db, site.siteId, { source: 'escalation', conversationId: billing[3]!.conversationId, occurredAt: ago(DAY), topic: 'billing', outcome: 'agent_was_wrong' });
  await addCase(database.db, site.siteId, { source: 'escalation', conversationId: billing[4]!.conversationId, occurredAt: ago(DAY), topic: 'billing' });
  // One answer without a topic.
  await answer(undefined, ago(HOUR));
});

afterAll(async () => {
  await inst?.close();
  await database?.close();
});

describe(`trust.trackRecord (${testDbKind})`, () => {
  it('should count every rate per topic with its interval, and discount the approvals made faster than reading time', async () => {
    const record = await reviewer.caller().trust.trackRecord({ siteId: site.siteId });
    expect(record.topics.map((t) => t.label)).toEqual(['account deletion', 'billing', 'refunds', '(no topic)']);
    const refunds = record.topics.find((t) => t.topic === 'refunds')!;
    // 22 answers in the window (the 100-day-old one is out); decided 22: approved 20, edited 1, rejected 1.
    expect(refunds.volume).toBe(22);
    expect(refunds.approvedRaw).toMatchObject({ successes: 20, n: 22 });
    expect(refunds.edited).toMatchObject({ successes: 1, n: 22 });
    expect(refunds.rejected).toMatchObject({ successes: 1, n: 22 });
    // Maya's 12 approvals in 0.5 s of a 5 s read are left out: 8 of 10 reviewed. Wilson(8, 10) = 49.0–94.3%.
    expect(refunds.tooFastApprovals).toBe(12);
    expect(refunds.approvedReviewed).toMatchObject({ successes: 8, n: 10 });
    expect(refunds.approvedReviewed.low).toBeCloseTo(0.4902, 3);
    expect(refunds.approvedReviewed.high).toBeCloseTo(0.9433, 3);
    expect(refunds.weeks).toHaveLength(13);
    expect(refunds.weeks[10]).toMatchObject({ answers: 1, reviewed: 1, reviewedApprovals: 1 });
    expect(refunds.status).toBe('Refunds: 10 drafts reviewed, 80.0% approved unedited (95% CI 49.0–94.3%). Step up needs 200 or more with a 95% lower bound of at least 95%.');

    const billing = record.topics.find((t) => t.topic === 'billing')!;
    expect(billing).toMatchObject({ volume: 5, defined: false, autonomy: 'auto' });
    expect(billing.helpful).toMatchObject({ successes: 3, n: 4, rate: 0.75 });
    expect(billing.escalated).toMatchObject({ successes: 2, n: 5 });
    expect(billing.agentWasWrong).toMatchObject({ successes: 1, n: 1 });
    expect(record.topics.at(-1)).toMatchObject({ scope: 'no_topic', volume: 1, recommendation: null });
    expect(record.total).toMatchObject({ scope: 'site', volume: 28 });

    const [flagged, ok] = record.reviewers;
    expect(flagged).toMatchObject({ email: maya.email, approvals: 12, tooFast: 12, flagged: true });
    expect(flagged!.note).toContain(`12 of ${maya.email}'s 12 approvals took under a second: not counted as reviewed.`);
    expect(ok).toMatchObject({ email: ade.email, approvals: 8, tooFast: 0, flagged: false });
  });

  it('should recommend a step down for a high-cost automatic topic without a record', async () => {
    const record = await readTrackRecord(database.db, site.siteId);
    expect(record.topics.find((t) => t.topic === 'account deletion')!.recommendation).toMatchObject({ kind: 'step_down', from: 'auto', to: 'human_review' });
  });

  it('should be for reviewers and admins only', async () => {
    await expect(agent.caller().trust.trackRecord({ siteId: site.siteId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(admin.caller().trust.trackRecord({ siteId: site.siteId })).resolves.toBeTruthy();
  });
});

describe(`trust.applyRecommendation (${testDbKind})`, () => {
  it('should refuse a level that is not the recommendation now, whatever the client says', async () => {
    await expect(admin.caller().trust.applyRecommendation({ siteId: site.siteId, topic: 'refunds', autonomy: 'suggest_handoff' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(admin.caller().trust.applyRecommendation({ siteId: site.siteId, topic: 'account deletion', autonomy: 'suggest_handoff' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('It now recommends human_review.'),
    });
    await expect(reviewer.caller().trust.applyRecommendation({ siteId: site.siteId, topic: 'account deletion', autonomy: 'human_review' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('should apply the recomputed recommendation with its text as the audited reason, once', async () => {
    const applied = await admin.caller().trust.applyRecommendation({ siteId: site.siteId, topic: 'account deletion', autonomy: 'human_review' });
    expect(applied).toMatchObject({ name: 'account deletion', autonomy: 'human_review', updatedBy: admin.email });
    const [row] = await database.db.select().from(topics).where(and(eq(topics.siteId, site.siteId), eq(topics.name, 'account deletion')));
    expect(row!.autonomy).toBe('human_review');
    const audit = await database.db.select().from(auditLog).where(and(eq(auditLog.siteId, site.siteId), eq(auditLog.targetId, 'account deletion'), eq(auditLog.actor, admin.email)));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({
      before: { autonomy: 'auto' },
      after: { autonomy: 'human_review' },
      reason: 'Account deletion: failure cost is high and it answers automatically with no record in the last 90 days. Step down to human_review.',
    });
    // Applied, the recommendation no longer holds: a second click is refused.
    await expect(admin.caller().trust.applyRecommendation({ siteId: site.siteId, topic: 'account deletion', autonomy: 'human_review' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
