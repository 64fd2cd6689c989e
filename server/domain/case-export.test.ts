import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalCase } from '../../shared/review';
import type { Database } from '../db/client';
import { runCaseExport } from '../export-command';
import { addCase, addMessage, addTrace, ratedAnswer, reviewConversation } from '../test/review-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { exportCases, formatEvalCase } from './case-export';
import { labelCase } from './review-cases';
import { createSite, type CreatedSite } from './sites';
import { createStaff } from './staff';

let database: Database;
let site: CreatedSite;
let other: CreatedSite;
const T0 = new Date('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
let failedCase: string;

beforeAll(async () => {
  database = await openTestDatabase();
  const db = database.db;
  site = await createSite(db, { name: 'Shop', origins: [] });
  other = await createSite(db, { name: 'Other', origins: [] });
  // A conversation with history, the rated answer, and a person's correction afterwards.
  const conv = await reviewConversation(db, site.siteId);
  await addMessage(db, site.siteId, conv, { role: 'user', text: 'Hi', sentAt: at(0) });
  await addMessage(db, site.siteId, conv, { role: 'agent', text: 'Hello! How can I help?', sentAt: at(1) });
  const failed = await ratedAnswer(db, site.siteId, {
    conversationId: conv,
    at: at(3),
    rating: -1,
    confidence: 0.92,
    question: 'Refund my last invoice',
    answer: 'Done, your refund is on its way.',
    topic: 'refunds',
    traceId: 'e'.repeat(32),
    autoMode: 'tool_failure',
    rationale: 'tool `refund.create` failed with timeout after 2 attempts',
  });
  failedCase = failed.caseId;
  await addTrace(db, site.siteId, 'e'.repeat(32), at(2));
  await addMessage(db, site.siteId, conv, { role: 'user', text: 'It did not arrive', sentAt: at(5) });
  await addMessage(db, site.siteId, conv, { role: 'human', text: 'The refund failed; I have issued it by hand.', sentAt: at(6) });
  await addMessage(db, site.siteId, conv, { role: 'human', text: 'Anything else?', sentAt: at(7) });
  for (let i = 0; i < 7; i++) await ratedAnswer(db, site.siteId, { at: at(10 + i), rating: 1, confidence: 0.8, topic: 'billing' });
  await ratedAnswer(db, other.siteId, { at: at(1), rating: -1, autoMode: 'unknown' });
});
afterAll(async () => {
  await database.close();
});

async function collectAll(filter: Parameters<typeof exportCases>[1], pageSize?: number): Promise<EvalCase[]> {
  const out: EvalCase[] = [];
  for await (const page of exportCases(database.db, filter, pageSize)) out.push(...page);
  return out;
}

describe(`exportCases (${testDbKind})`, () => {
  it('should write the input, history, answer, modes, trace and the human correction of a case', async () => {
    const [row] = await collectAll({ siteId: site.siteId, mode: 'tool_failure' });
    expect(row).toEqual({
      caseId: failedCase,
      siteId: site.siteId,
      occurredAt: at(3).toISOString(),
      source: 'feedback',
      input: 'Refund my last invoice',
      history: [
        { role: 'user', text: 'Hi' },
        { role: 'agent', text: 'Hello! How can I help?' },
      ],
      answer: 'Done, your refund is on its way.',
      confidence: 0.92,
      topic: 'refunds',
      rating: -1,
      reasons: ['wrong'],
      comment: null,
      failureModes: [{ mode: 'tool_failure', rationale: 'tool `refund.create` failed with timeout after 2 attempts' }],
      autoMode: 'tool_failure',
      humanLabel: null,
      humanCorrection: 'The refund failed; I have issued it by hand.',
      outcome: null,
      trace: { traceId: 'e'.repeat(32), model: 'gpt-test', inputTokens: 1200, outputTokens: 80, tools: [{ name: 'refund.create', status: 'error', error: 'timeout', attempts: 2 }] },
      correction: null,
    });
  });

  it('should page through every case of the site once, newest first', async () => {
    const rows = await collectAll({ siteId: site.siteId }, 3);
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((r) => r.caseId)).size).toBe(8);
    expect(rows.map((r) => r.occurredAt)).toEqual([...rows.map((r) => r.occurredAt)].sort().reverse());
    expect(rows.every((r) => r.siteId === site.siteId)).toBe(true);
  });

  it('should export every site when none is named, and only cases since a time', async () => {
    expect(await collectAll({})).toHaveLength(9);
    expect(await collectAll({ siteId: site.siteId, since: at(14) })).toHaveLength(3);
  });

  it('should carry a relabel into the next export', async () => {
    await labelCase(database.db, failedCase, { mode: 'hallucination', staffId: await staffId(), note: 'The tool never ran' });
    const [row] = await collectAll({ siteId: site.siteId, mode: 'hallucination' });
    expect(row).toMatchObject({ caseId: failedCase, humanLabel: 'hallucination', autoMode: 'tool_failure' });
    expect(await collectAll({ siteId: site.siteId, mode: 'tool_failure' })).toEqual([]);
  });

  it('should write CSV with a header and nested fields as JSON', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    let progress = '';
    err.on('data', (d) => (progress += d));
    const total = await runCaseExport(database.db, { siteId: site.siteId, topic: 'refunds' }, 'csv', out, err);
    expect(total).toBe(1);
    const [header, line] = text.trim().split('\n');
    expect(header).toBe('caseId,siteId,occurredAt,source,input,history,answer,confidence,topic,rating,reasons,comment,failureModes,autoMode,humanLabel,humanCorrection,outcome,trace,correction');
    expect(line).toContain('"[{""role"":""user"",""text"":""Hi""}');
    expect(progress).toBe('exported 1 case\n');
  });

  it('should format a case as one JSON line', async () => {
    const [row] = await collectAll({ siteId: site.siteId, topic: 'refunds' });
    const line = formatEvalCase(row!, 'jsonl');
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(row);
  });

  it('should leave out a rating the user changed later: it is not a label', async () => {
    const shop = await createSite(database.db, { name: 'Changed minds', origins: [] });
    const newest = await ratedAnswer(database.db, shop.siteId, { at: at(2), rating: 1, confidence: 0.8 });
    await addCase(database.db, shop.siteId, { conversationId: newest.conversationId, messageId: newest.messageId, occurredAt: at(1), rating: -1, superseded: true });
    expect((await collectAll({ siteId: shop.siteId })).map((r) => [r.caseId, r.rating])).toEqual([[newest.caseId, 1]]);
  });
});

async function staffId(): Promise<string> {
  const s = await createStaff(database.db, { email: `rev-${Date.now()}@example.com`, role: 'reviewer', password: 'correct horse battery staple' });
  return s.id;
}
