import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { alerts, auditLog, calibratedThresholds, cases, sites } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { instanceOf, signedInStaff, type Instance } from '../test/handoff-fixtures';
import { addCase, addEscalation, addMessage, addTrace, ratedAnswer, reviewConversation } from '../test/review-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { feedbackFor } from '../test/fixtures';
import { projectorSite } from '../test/projector-fixtures';
import { startReviewProjector } from '../review/projector';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let otherSite: CreatedSite;
let reviewer: Awaited<ReturnType<typeof signedInStaff>>;
let admin: Awaited<ReturnType<typeof signedInStaff>>;
let agent: Awaited<ReturnType<typeof signedInStaff>>;
let outsider: Awaited<ReturnType<typeof signedInStaff>>;

/** A fixed window so that counts do not depend on the clock: 2026-03-01 .. 2026-03-03. */
const T0 = new Date('2026-03-01T00:00:00Z');
const at = (hours: number, minutes = 0) => new Date(T0.getTime() + hours * 3_600_000 + minutes * 60_000);
const range = { from: T0.toISOString(), to: at(48).toISOString() };

const ids: Record<string, string> = {};

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Shop', origins: ['https://shop.example.com'] });
  otherSite = await createSite(database.db, { name: 'Other', origins: ['https://other.example.com'] });
  [reviewer, admin, agent, outsider] = await Promise.all([
    signedInStaff(inst, 'reviewer', [site.siteId]),
    signedInStaff(inst, 'admin', [site.siteId]),
    signedInStaff(inst, 'agent', [site.siteId]),
    signedInStaff(inst, 'reviewer', [otherSite.siteId]),
  ]);
  const db = database.db;
  const s = site.siteId;
  // Day 1, hour 1: two helpful answers (billing, r1), one not helpful classified tool_failure with a trace.
  ids.helpful1 = (await ratedAnswer(db, s, { at: at(1), rating: 1, confidence: 0.9, topic: 'billing', release: 'r1', model: 'gpt-a' })).caseId;
  ids.helpful2 = (await ratedAnswer(db, s, { at: at(1, 10), rating: 1, confidence: 0.7, topic: 'billing', release: 'r1', model: 'gpt-a' })).caseId;
  const failed = await ratedAnswer(db, s, {
    at: at(1, 20),
    rating: -1,
    confidence: 0.95,
    question: 'Can you refund my last invoice?',
    topic: 'refunds',
    release: 'r2',
    model: 'gpt-b',
    traceId: 'f'.repeat(32),
    autoMode: 'tool_failure',
    rationale: 'tool `refund.create` failed with timeout after 2 attempts',
    extra: { escalated: true },
  });
  ids.failed = failed.caseId;
  ids.failedConversation = failed.conversationId;
  ids.failedAnswer = failed.messageId;
  await addTrace(db, s, 'f'.repeat(32), at(1, 19));
  // The person's correction after the answer, and the escalation that led to it.
  await addEscalation(db, s, failed.conversationId, at(1, 21), { status: 'resolved', outcome: 'agent_was_wrong' });
  await addMessage(db, s, failed.conversationId, { role: 'human', text: 'I have refunded it for you.', sentAt: at(1, 25), staffId: agent.id });
  // Day 2, hour 30: a not-helpful answer with low confidence, classified hallucination; an escalation case.
  ids.hallucination = (await ratedAnswer(db, s, { at: at(30), rating: -1, confidence: 0.3, topic: 'tax', release: 'r2', autoMode: 'hallucination', rationale: 'low confidence, no sources' })).caseId;
  const escConv = await reviewConversation(db, s);
  await addMessage(db, s, escConv, { role: 'user', text: 'Let me talk to someone', sentAt: at(31) });
  const escId = await addEscalation(db, s, escConv, at(31, 1));
  ids.escalation = await addCase(db, s, { source: 'escalation', sourceId: escId, conversationId: escConv, occurredAt: at(31, 1), escalated: true, negative: true, autoMode: 'unknown', rationale: 'no trace' });
  // An answer nobody rated (counts in answers only), and a case outside the range.
  const lone = await reviewConversation(db, s);
  await addMessage(db, s, lone, { role: 'agent', text: 'Hello', sentAt: at(2), confidence: 0.5 });
  await ratedAnswer(db, s, { at: at(-5), rating: -1, confidence: 0.5, topic: 'old', autoMode: 'unknown' });
  // Another site's case, never visible here.
  await ratedAnswer(db, otherSite.siteId, { at: at(1), rating: -1, confidence: 0.5, topic: 'secret-topic', autoMode: 'unknown' });
  await db.insert(alerts).values({
    siteId: s, metric: 'negative_rate', topic: 'refunds', windowStart: at(1), windowEnd: at(2), observedCount: 5, observedTotal: 10,
    observedRate: 0.5, baselineRate: 0.1, baselineTotal: 200, message: 'Not helpful on refunds: 50% in the hour, baseline 10%.',
  });
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

describe(`review access (${testDbKind})`, () => {
  it('should refuse agents with FORBIDDEN', async () => {
    await expect(agent.caller().review.overview({ siteId: site.siteId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(agent.caller().review.byId({ caseId: ids.failed! })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("should answer NOT_FOUND for a site or case of a site the reviewer is not a member of", async () => {
    await expect(outsider.caller().review.cases({ siteId: site.siteId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(outsider.caller().review.byId({ caseId: ids.failed! })).rejects.toMatchObject({ code: 'NOT_FOUND', message: `No case with id '${ids.failed}'.` });
    await expect(outsider.caller().review.label({ caseId: ids.failed!, mode: 'unknown' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('should let admins read Review', async () => {
    const list = await admin.caller().review.cases({ siteId: site.siteId, ...range });
    expect(list.items.length).toBeGreaterThan(0);
  });

  it('should refuse a label without the CSRF header', async () => {
    await expect(reviewer.caller({ csrf: false }).review.label({ caseId: ids.failed!, mode: 'unknown' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe(`review.overview (${testDbKind})`, () => {
  it('should count answers, ratings, escalations and negatives in the range', async () => {
    const o = await reviewer.caller().review.overview({ siteId: site.siteId, ...range });
    expect(o.totals).toEqual({
      answers: 5,
      rated: 4,
      ratedShare: 4 / 5,
      helpful: 2,
      notHelpful: 2,
      helpfulRate: 0.5,
      escalations: 1,
      escalationRate: 1 / 5,
      negatives: 3,
    });
    expect(o.bucket).toBe('hour');
    expect(o.series).toHaveLength(48);
    // Each answer is sent a second before its rating: the first one falls in hour 0.
    expect(o.series[0]).toMatchObject({ answers: 1, helpful: 0 });
    expect(o.series[1]).toMatchObject({ t: at(1).toISOString(), answers: 2, helpful: 2, notHelpful: 1, escalations: 0, negatives: 1, byMode: { tool_failure: 1 } });
    expect(o.series[29]!.answers).toBe(1);
    expect(o.series[30]).toMatchObject({ answers: 0, notHelpful: 1, negatives: 1, byMode: { hallucination: 1 } });
    expect(o.series[31]).toMatchObject({ escalations: 1, negatives: 1 });
    // The buckets' negatives add up to the total (helpful cases count in none).
    expect(o.series.reduce((sum, p) => sum + p.negatives, 0)).toBe(o.totals.negatives);
    expect(o.series[0]!.negatives).toBe(0);
  });

  it('should list modes by count with their share and newest rationale', async () => {
    const o = await reviewer.caller().review.overview({ siteId: site.siteId, ...range, bucket: 'day' });
    expect(o.series.map((p) => p.t)).toEqual([T0.toISOString(), at(24).toISOString()]);
    expect(o.series.map((p) => p.negatives)).toEqual([1, 2]);
    expect(o.modes.map((m) => [m.mode, m.count, m.share])).toEqual([
      ['tool_failure', 1, 1 / 3],
      ['hallucination', 1, 1 / 3],
      ['unknown', 1, 1 / 3],
    ]);
    expect(o.modes[0]!.exampleRationale).toBe('tool `refund.create` failed with timeout after 2 attempts');
  });

  it('should refuse a range that ends before it starts', async () => {
    await expect(reviewer.caller().review.overview({ siteId: site.siteId, from: range.to, to: range.from })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe(`review.calibration (${testDbKind})`, () => {
  it('should bin rated answers and compute ECE, Brier and the false-confident rate', async () => {
    const c = await reviewer.caller().review.calibration({ siteId: site.siteId, ...range });
    // Rated: 0.9 helpful, 0.7 helpful, 0.95 not helpful, 0.3 not helpful.
    expect(c.n).toBe(4);
    expect(c.highThreshold).toBe(0.8);
    expect(c.bins).toHaveLength(10);
    expect(c.bins[7]).toMatchObject({ count: 1, helpfulRate: 1 });
    expect(c.bins[9]).toMatchObject({ count: 2, helpfulRate: 0.5 });
    expect(c.bins[9]!.meanConfidence).toBeCloseTo(0.925, 6);
    expect(c.bins[3]).toMatchObject({ count: 1, helpfulRate: 0 });
    // ECE = 1/4·|0.3−0| + 1/4·|0.7−1| + 2/4·|0.925−0.5| = 0.075 + 0.075 + 0.2125
    expect(c.ece).toBeCloseTo(0.3625, 6);
    // Brier = (0.01 + 0.09 + 0.9025 + 0.09) / 4
    expect(c.brier).toBeCloseTo(1.0925 / 4, 6);
    expect(c.highAnswers).toBe(2);
    expect(c.falseConfidentRate).toBe(0.5);
    expect(c.byTopic.map((t) => [t.topic, t.n])).toEqual([['billing', 2], ['refunds', 1], ['tax', 1]]);
    expect(c).toMatchObject({ topicCount: 3, releaseCount: 2 });
    expect(c.byRelease[0]).toMatchObject({ release: 'r1', n: 2, falseConfidentRate: 0 });
  });

  it("should use the site's High threshold", async () => {
    const strict = await createSite(database.db, { name: 'Strict', origins: [], policy: { thresholds: { high: 0.96, low: 0.5 } } });
    await ratedAnswer(database.db, strict.siteId, { at: at(1), rating: -1, confidence: 0.95 });
    const boss = await signedInStaff(inst, 'admin', [strict.siteId]);
    const c = await boss.caller().review.calibration({ siteId: strict.siteId, ...range });
    expect(c).toMatchObject({ highThreshold: 0.96, highAnswers: 0, falseConfidentRate: null, n: 1 });
  });

  it('should count a stored confidence equal to the threshold as High, in calibration and in the case filter', async () => {
    // 0.9 is stored as float4 0.89999998; 0.7 as 0.69999999 (bin [0.7, 0.8)).
    const edge = await createSite(database.db, { name: 'Edge', origins: [], policy: { thresholds: { high: 0.9, low: 0.7 } } });
    const boss = await signedInStaff(inst, 'admin', [edge.siteId]);
    const high = await ratedAnswer(database.db, edge.siteId, { at: at(1), rating: -1, confidence: 0.9 });
    const medium = await ratedAnswer(database.db, edge.siteId, { at: at(2), rating: 1, confidence: 0.7 });
    const c = await boss.caller().review.calibration({ siteId: edge.siteId, ...range });
    expect(c).toMatchObject({ highAnswers: 1, falseConfidentRate: 1 });
    expect(c.bins[9]!.count).toBe(1);
    expect(c.bins[7]!.count).toBe(1);
    const highList = await boss.caller().review.cases({ siteId: edge.siteId, ...range, confidenceBand: 'high' });
    expect(highList.items.map((i) => i.id)).toEqual([high.caseId]);
    const mediumList = await boss.caller().review.cases({ siteId: edge.siteId, ...range, confidenceBand: 'medium' });
    expect(mediumList.items.map((i) => i.id)).toEqual([medium.caseId]);
  });

  it('should narrow to one topic, or one release', async () => {
    const c = await reviewer.caller().review.calibration({ siteId: site.siteId, ...range, topic: 'billing' });
    expect(c.n).toBe(2);
    expect(c.falseConfidentRate).toBe(0);
    expect(c).toMatchObject({ topicCount: 1 });
    const r2 = await reviewer.caller().review.calibration({ siteId: site.siteId, ...range, release: 'r2' });
    expect(r2).toMatchObject({ n: 2, highAnswers: 1, falseConfidentRate: 1, releaseCount: 1, topicCount: 2 });
  });

  it('should say how many groups there are when it lists only the top ones', async () => {
    const many = await createSite(database.db, { name: 'Many topics', origins: [] });
    const boss = await signedInStaff(inst, 'admin', [many.siteId]);
    for (let i = 0; i < 12; i++) await ratedAnswer(database.db, many.siteId, { at: at(3), rating: 1, confidence: 0.9, topic: `topic-${i}` });
    const c = await boss.caller().review.calibration({ siteId: many.siteId, ...range });
    expect(c.byTopic).toHaveLength(10);
    expect(c.topicCount).toBe(12);
  });
});

describe(`review.cases (${testDbKind})`, () => {
  it('should list the range newest first with the question each answer replied to', async () => {
    const list = await reviewer.caller().review.cases({ siteId: site.siteId, ...range });
    expect(list.items.map((i) => i.id)).toEqual([ids.escalation, ids.hallucination, ids.failed, ids.helpful2, ids.helpful1]);
    expect(list.items[2]).toMatchObject({ inputPreview: 'Can you refund my last invoice?', mode: 'tool_failure', autoMode: 'tool_failure', rating: -1, confidence: 0.95, topic: 'refunds' });
    expect(list.items[0]).toMatchObject({ source: 'escalation', inputPreview: 'Let me talk to someone', rating: null });
    expect(list.nextCursor).toBeNull();
  });

  it('should page with the cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await reviewer.caller().review.cases({ siteId: site.siteId, ...range, limit: 2, cursor });
      seen.push(...page.items.map((x) => x.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([ids.escalation, ids.hallucination, ids.failed, ids.helpful2, ids.helpful1]);
  });

  it('should keep rows of the same instant apart by id', async () => {
    const same = await createSite(database.db, { name: 'Same', origins: [] });
    const boss = await signedInStaff(inst, 'admin', [same.siteId]);
    for (let i = 0; i < 5; i++) await ratedAnswer(database.db, same.siteId, { at: at(5), rating: 1 });
    const first = await boss.caller().review.cases({ siteId: same.siteId, ...range, limit: 3 });
    const second = await boss.caller().review.cases({ siteId: same.siteId, ...range, limit: 3, cursor: first.nextCursor! });
    const all = [...first.items, ...second.items].map((x) => x.id);
    expect(new Set(all).size).toBe(5);
    expect(second.nextCursor).toBeNull();
  });

  it.each([
    [{ mode: 'tool_failure' as const }, ['failed']],
    [{ topic: 'billing' }, ['helpful2', 'helpful1']],
    [{ rating: 'helpful' as const }, ['helpful2', 'helpful1']],
    [{ rating: 'not_helpful' as const }, ['hallucination', 'failed']],
    [{ rating: 'negative' as const }, ['escalation', 'hallucination', 'failed']],
    [{ confidenceBand: 'high' as const }, ['failed', 'helpful1']],
    [{ confidenceBand: 'medium' as const }, ['helpful2']],
    [{ confidenceBand: 'low' as const }, ['hallucination']],
    [{ confidenceBand: 'none' as const }, ['escalation']],
    [{ release: 'r2' }, ['hallucination', 'failed']],
    [{ model: 'gpt-a' }, ['helpful2', 'helpful1']],
    [{ escalated: true }, ['escalation', 'failed']],
    [{ labelSource: 'none' as const }, ['helpful2', 'helpful1']],
    [{ labelSource: 'auto' as const }, ['escalation', 'hallucination', 'failed']],
    [{ rating: 'negative' as const, release: 'r2', confidenceBand: 'high' as const }, ['failed']],
  ])('should filter by %j', async (filter, expected) => {
    const list = await reviewer.caller().review.cases({ siteId: site.siteId, ...range, ...filter });
    expect(list.items.map((i) => i.id)).toEqual(expected.map((k) => ids[k]));
  });

  it('should refuse a cursor it did not make', async () => {
    await expect(reviewer.caller().review.cases({ siteId: site.siteId, cursor: 'bm90IGEgY3Vyc29y' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe(`review.byId (${testDbKind})`, () => {
  it('should show the transcript with the answer flagged, the escalation and the trace with span offsets', async () => {
    const d = await reviewer.caller().review.byId({ caseId: ids.failed! });
    expect(d.case).toMatchObject({ id: ids.failed, siteId: site.siteId, rationale: 'tool `refund.create` failed with timeout after 2 attempts', humanMode: null });
    expect(d.case.autoModes[0]).toMatchObject({ mode: 'tool_failure' });
    expect(d.transcript.map((m) => [m.role, m.isCaseAnswer])).toEqual([['user', false], ['agent', true], ['human', false]]);
    expect(d.transcript[1]!.id).toBe(ids.failedAnswer);
    expect(d.transcript[2]!.staffName).toBeTruthy();
    expect(d.escalation).toMatchObject({ outcome: 'agent_was_wrong', status: 'resolved' });
    expect(d.trace!.summary.tools[0]!.name).toBe('refund.create');
    expect(d.trace!.spans.map((s) => [s.name, s.startOffsetMs, s.status])).toEqual([
      ['agent', 0, 'unset'],
      ['execute_tool refund.create', 100, 'error'],
      ['chat gpt-test', 1200, 'ok'],
    ]);
    expect(d.trace!.spans[1]!.events[0]).toMatchObject({ name: 'retry' });
  });

  it("should give the badge thresholds the widget uses: the site's, and a calibrated topic's own", async () => {
    const d = await reviewer.caller().review.byId({ caseId: ids.failed! });
    expect(d.thresholds).toEqual({ high: 0.8, low: 0.5, byTopic: {} });
    expect(d.transcript[1]!.topic).toBe('refunds');

    const tuned = await createSite(database.db, { name: 'Tuned', origins: [], policy: { thresholds: { high: 0.9, low: 0.6 } } });
    await database.db.update(sites).set({ trust: { badgeMode: 'calibrated' } }).where(eq(sites.id, tuned.siteId));
    await database.db.insert(calibratedThresholds).values({ siteId: tuned.siteId, topic: 'refunds', high: 0.7, low: 0.4, samples: 500, curve: [], fittedAt: new Date() });
    const boss = await signedInStaff(inst, 'admin', [tuned.siteId]);
    const answer = await ratedAnswer(database.db, tuned.siteId, { at: at(1), rating: 1, confidence: 0.75, topic: 'refunds' });
    const t = await boss.caller().review.byId({ caseId: answer.caseId });
    expect(t.thresholds).toEqual({ high: 0.9, low: 0.6, byTopic: { refunds: { high: 0.7, low: 0.4 } } });
  });

  it('should show no trace while none has arrived', async () => {
    const d = await reviewer.caller().review.byId({ caseId: ids.escalation! });
    expect(d.trace).toBeNull();
    expect(d.escalation).toMatchObject({ trigger: 'user', note: 'I need a person', status: 'queued' });
  });
});

describe(`review.label (${testDbKind})`, () => {
  it('should set the human label, keep the automatic one, and count it from then on', async () => {
    const item = await reviewer.caller().review.label({ caseId: ids.hallucination!, mode: 'context_drift', note: '  It lost the thread.\u0000  ' });
    expect(item).toMatchObject({ mode: 'context_drift', humanMode: 'context_drift', autoMode: 'hallucination' });
    const [row] = await database.db.select().from(cases).where(eq(cases.id, ids.hallucination!));
    expect(row).toMatchObject({ labelledBy: reviewer.id, humanMode: 'context_drift', autoMode: 'hallucination' });
    expect(row!.humanNote).toBe('It lost the thread.');
    expect(row!.labelledAt).toBeInstanceOf(Date);
    const o = await reviewer.caller().review.overview({ siteId: site.siteId, ...range });
    expect(o.agreement).toEqual({ labelled: 1, agreed: 0, rate: 0 });
    expect(o.modes.find((m) => m.mode === 'context_drift')?.count).toBe(1);
    const human = await reviewer.caller().review.cases({ siteId: site.siteId, ...range, labelSource: 'human' });
    expect(human.items.map((i) => i.id)).toEqual([ids.hallucination]);
    const relabelled = await admin.caller().review.label({ caseId: ids.hallucination!, mode: 'hallucination' });
    expect(relabelled.mode).toBe('hallucination');
    expect((await reviewer.caller().review.overview({ siteId: site.siteId, ...range })).agreement).toEqual({ labelled: 1, agreed: 1, rate: 1 });
    const detail = await reviewer.caller().review.byId({ caseId: ids.hallucination! });
    expect(detail.case).toMatchObject({ labelledBy: admin.id, labelledByName: expect.any(String) });
    expect(detail.case.labelledByName).not.toBe('');
  });

  it('should take a human label away with mode null, count the automatic one again, and audit it', async () => {
    await reviewer.caller().review.label({ caseId: ids.failed!, mode: 'context_drift', note: 'not a tool problem' });
    const cleared = await reviewer.caller().review.label({ caseId: ids.failed!, mode: null });
    expect(cleared).toMatchObject({ mode: 'tool_failure', humanMode: null, autoMode: 'tool_failure' });
    const [row] = await database.db.select().from(cases).where(eq(cases.id, ids.failed!));
    expect(row).toMatchObject({ humanMode: null, humanNote: null, labelledBy: null, labelledAt: null, autoMode: 'tool_failure' });
    const detail = await reviewer.caller().review.byId({ caseId: ids.failed! });
    expect(detail.case).toMatchObject({ humanMode: null, labelledBy: null, labelledByName: null });
    const automatic = await reviewer.caller().review.cases({ siteId: site.siteId, ...range, mode: 'tool_failure', labelSource: 'auto' });
    expect(automatic.items.map((i) => i.id)).toEqual([ids.failed]);
    const log = await database.db.select().from(auditLog).where(eq(auditLog.targetId, ids.failed!));
    expect(log.map((e) => [e.action, e.details])).toEqual([
      ['review.label', { mode: 'context_drift' }],
      ['review.label', { mode: null }],
    ]);
  });

  it('should refuse an unknown mode', async () => {
    await expect(reviewer.caller().review.label({ caseId: ids.failed!, mode: 'bad' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe(`review.alerts and review.filters (${testDbKind})`, () => {
  it('should list alerts of the range', async () => {
    const list = await reviewer.caller().review.alerts({ siteId: site.siteId, ...range });
    expect(list).toEqual([expect.objectContaining({ metric: 'negative_rate', topic: 'refunds', observedRate: 0.5, windowStart: at(1).toISOString() })]);
    expect(await outsider.caller().review.alerts({ siteId: otherSite.siteId, ...range })).toEqual([]);
  });

  it("should offer the site's topics, releases and models only", async () => {
    const f = await reviewer.caller().review.filters({ siteId: site.siteId });
    expect(f).toEqual({ topics: ['billing', 'old', 'refunds', 'tax'], releases: ['r1', 'r2'], models: ['gpt-a', 'gpt-b'] });
  });
});

describe(`a re-rated answer (${testDbKind})`, () => {
  it('should count once, by its newest rating, in the overview, calibration and case list, and its older case should say so', async () => {
    // Through the projector, as in production: the widget stores each rating, the projector makes the cases.
    const shop = await projectorSite(database.db, 'Changed minds');
    const boss = await signedInStaff(inst, 'admin', [shop.siteId]);
    const t = Date.now() - 60_000;
    const rateAt = (answer: Parameters<typeof feedbackFor>[0], rating: 1 | -1, ms: number) =>
      shop.store([feedbackFor(answer, { rating, reasons: rating === -1 ? ['wrong'] : [], comment: undefined, createdAt: new Date(t + ms).toISOString() })]);
    const changed = await shop.exchange({ answer: { confidence: 0.9 } });
    const kept = await shop.exchange({ answer: { confidence: 0.5 } });
    await rateAt(changed.answer, 1, 0);
    await rateAt(changed.answer, -1, 1000);
    await rateAt(kept.answer, 1, 2000);
    const projector = startReviewProjector(database.db, { intervalMs: 0 });
    try {
      await projector.runOnce();
    } finally {
      await projector.close();
    }

    const o = await boss.caller().review.overview({ siteId: shop.siteId });
    expect(o.totals).toMatchObject({ answers: 2, rated: 2, helpful: 1, notHelpful: 1, helpfulRate: 0.5, negatives: 1 });
    const c = await boss.caller().review.calibration({ siteId: shop.siteId });
    expect(c).toMatchObject({ n: 2, highAnswers: 1, falseConfidentRate: 1 });
    const list = await boss.caller().review.cases({ siteId: shop.siteId });
    expect(list.items.map((i) => [i.conversationId, i.rating])).toEqual([[kept.conv.conversationId, 1], [changed.conv.conversationId, -1]]);

    const [older] = await database.db.select().from(cases).where(and(eq(cases.siteId, shop.siteId), eq(cases.superseded, true)));
    const d = await boss.caller().review.byId({ caseId: older!.id });
    expect(d.case).toMatchObject({ rating: 1, superseded: true, supersededBy: list.items[1]!.id });
    expect((await boss.caller().review.byId({ caseId: list.items[1]!.id })).case).toMatchObject({ superseded: false, supersededBy: null });
  });
});
