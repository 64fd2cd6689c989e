import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { CLI_ACTOR } from '../domain/audit';
import { gatherReadinessStats } from '../domain/readiness-stats';
import { createSite, type CreatedSite } from '../domain/sites';
import { setTopic } from '../domain/topics';
import { instanceOf, signedInStaff, type Instance } from '../test/handoff-fixtures';
import { addCase, addEscalation, addMessage, addTrace, ratedAnswer, reviewConversation, traceSummary } from '../test/review-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let reviewer: Awaited<ReturnType<typeof signedInStaff>>;

// Relative to the real clock: readiness.get reads the 30 days before now.
const NOW = new Date();
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const ok = { name: 'orders.lookup', spanId: 'dddddddddddddddd', status: 'ok' as const, error: null, attempts: 1, durationMs: 80 };

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Ready', origins: ['https://shop.example.com'] });
  const db = database.db;
  const s = site.siteId;
  await signedInStaff(inst, 'admin', [s]);
  await signedInStaff(inst, 'agent', [s]);
  reviewer = await signedInStaff(inst, 'reviewer', [s]);
  // 1: helpful, its trace has a failed tool call and the conversation was never escalated.
  await addTrace(db, s, '1'.repeat(32), daysAgo(2));
  const first = await ratedAnswer(db, s, { at: daysAgo(2), rating: 1, confidence: 0.9, topic: 'billing', traceId: '1'.repeat(32) });
  // ...rated Not helpful (context drift) a minute before, then changed to Helpful: only the newest rating counts.
  await addCase(db, s, {
    conversationId: first.conversationId, messageId: first.messageId, occurredAt: new Date(daysAgo(2).getTime() - 60_000), rating: -1,
    confidence: 0.9, topic: 'billing', autoMode: 'context_drift', superseded: true,
  });
  // 2: not helpful (context drift), tools fine, context at 90% of the window, a 3000-token system prompt.
  await addTrace(db, s, '2'.repeat(32), daysAgo(3), traceSummary({ tools: [ok], context: { spanId: 'cccccccccccccccc', inputTokens: 900, windowTokens: 1000, ratio: 0.9, turns: 12 }, systemPromptTokens: 3000 }));
  await ratedAnswer(db, s, { at: daysAgo(3), rating: -1, confidence: 0.3, topic: 'refunds', traceId: '2'.repeat(32), autoMode: 'context_drift' });
  // 3: not helpful (adversarial input), no trace, a topic nobody defined.
  await ratedAnswer(db, s, { at: daysAgo(4), rating: -1, confidence: 0.8, topic: 'shipping', autoMode: 'adversarial_input' });
  // 4: unrated, no topic, a failed tool call, and the user was handed to a person after it.
  const conv = await reviewConversation(db, s);
  await addTrace(db, s, '4'.repeat(32), daysAgo(5));
  await addMessage(db, s, conv, { role: 'agent', text: 'Refund started.', sentAt: daysAgo(5), confidence: 0.7, traceId: '4'.repeat(32) });
  await addEscalation(db, s, conv, new Date(daysAgo(5).getTime() + 60_000));
  // Outside the 30-day window: not counted.
  await ratedAnswer(db, s, { at: daysAgo(45), rating: -1, confidence: 0.9, topic: 'billing' });
  await setTopic(db, CLI_ACTOR, { siteId: s, name: 'billing', failureCost: 'low' });
  await setTopic(db, CLI_ACTOR, { siteId: s, name: 'refunds', failureCost: 'high', autonomy: 'auto' });
});

afterAll(async () => {
  await inst?.close();
  await database?.close();
});

describe(`readiness from a site's data (${testDbKind})`, () => {
  it('should gather answers, traces, cases, topics and settings of the last 30 days', async () => {
    const stats = await gatherReadinessStats(database.db, site.siteId, NOW);
    expect(stats).toMatchObject({
      answers: 4,
      tracedAnswers: 3,
      withContext: 1,
      contextNearLimit: 1,
      withTools: 3,
      toolFailed: 2,
      toolFailedNotEscalated: 1,
      withSystemPrompt: 1,
      systemPromptMedian: 3000,
      contextDriftCases: 1,
      adversarialCases: 1,
      instructionDriftCases: 0,
      ratedWithConfidence: 3,
      lowConfidenceAnswers: 1,
      answersWithoutTopic: 1,
      handoffStaff: 2,
      allowedOrigins: 1,
      redactPii: true,
      activeIngestKeys: 1,
      oldestIngestKeyDays: 0,
    });
    expect(stats.oldestIngestKeyDays).not.toBeNull();
    const topics = Object.fromEntries(stats.topics.map((t) => [t.name, t]));
    expect(Object.keys(topics).sort()).toEqual(['billing', 'refunds', 'shipping']);
    expect(topics.shipping).toMatchObject({ defined: false, failureCost: null });
    expect(topics.refunds).toMatchObject({ failureCost: 'high', autonomy: 'auto', rated: 1, helpful: 0 });
    // billing: the 45-day-old rating is inside the 90-day record window.
    expect(topics.billing).toMatchObject({ rated: 2, helpful: 1 });
  });

  it('should answer readiness.get to staff of the site, checks in order, failing the unmapped high-cost topic', async () => {
    const report = await reviewer.caller().readiness.get({ siteId: site.siteId });
    expect(report.checks.map((c) => c.id)).toEqual([
      'context_management',
      'tool_call_resilience',
      'instruction_clarity',
      'uncertainty_handling',
      'failure_cost_mapping',
      'observability',
      'security_posture',
    ]);
    const mapping = report.checks.find((c) => c.id === 'failure_cost_mapping')!;
    expect(mapping.status).toBe('fail');
    expect(mapping.evidence).toContain('1 topic has no failure cost set (shipping)');
    expect(report.checks.find((c) => c.id === 'observability')!.evidence).toBe('25% of answers have no trace (1 of 4).');
  });

  it('should say there were no answers for a fresh site, and pass nothing on data it does not have', async () => {
    const fresh = await createSite(database.db, { name: 'Fresh', origins: ['https://fresh.example.com'] });
    const admin = await signedInStaff(inst, 'admin', [fresh.siteId]);
    const report = await admin.caller().readiness.get({ siteId: fresh.siteId });
    expect(report.checks.filter((c) => c.status === 'pass')).toEqual([]);
    expect(report.checks.find((c) => c.id === 'observability')!.evidence).toBe('No answers in the last 30 days.');
  });
});
