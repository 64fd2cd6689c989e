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
      failureModes: [{ mode: 'tool_failure', rationale: 'tool `refund.create` failed with timeout after 2 attempts', confidence: 0.9 }],
      autoMode: 'tool_failure',
      humanLabel: null,
      humanNote: null,
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
    expect(row).toMatchObject({ caseId: failedCase, humanLabel: 'hallucination', humanNote: 'The tool never ran', autoMode: 'tool_failure' });
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
    expect(header).toBe(
      'caseId,siteId,occurredAt,source,input,history,answer,confidence,topic,rating,reasons,comment,failureModes,autoMode,humanLabel,humanNote,humanCorrection,outcome,trace,correction,' +
        'failureModeConfidence.tool_failure,failureModeConfidence.context_drift,failureModeConfidence.instruction_drift,failureModeConfidence.hallucination,failureModeConfidence.adversarial_input,failureModeConfidence.unknown',
    );
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

describe(`exportCases: corrections, notes and mode confidences (${testDbKind})`, () => {
  // A site of its own, so the counts above stay as they are.
  let third: CreatedSite;
  beforeAll(async () => {
    third = await createSite(database.db, { name: 'Third', origins: [] });
  });

  it("should take the correction from before the agent's next answer only, not a staff reply to a later question", async () => {
    const db = database.db;
    const conv = await reviewConversation(db, third.siteId);
    const first = await ratedAnswer(db, third.siteId, { conversationId: conv, at: at(1), rating: -1, question: 'Cancel my plan', answer: 'Your plan is cancelled.', autoMode: 'unknown' });
    // The agent answers again before any person does: the first answer's window closes there.
    const second = await ratedAnswer(db, third.siteId, { conversationId: conv, at: at(4), rating: -1, question: 'What are your opening hours?', answer: 'We never close.', autoMode: 'hallucination' });
    await addMessage(db, third.siteId, conv, { role: 'human', text: 'We are open 9 to 5, Monday to Friday.', sentAt: at(6) });
    await addMessage(db, third.siteId, conv, { role: 'human', text: 'Anything else?', sentAt: at(7) });
    // An escalation whose staff reply comes in its own window, after a later agent answer that nobody rated.
    const conv2 = await reviewConversation(db, third.siteId);
    const escalated = await ratedAnswer(db, third.siteId, { conversationId: conv2, at: at(20), rating: -1, question: 'Where is my parcel?', answer: 'It was delivered.', autoMode: 'unknown' });
    await addMessage(db, third.siteId, conv2, { role: 'user', text: 'It was not. I want a person.', sentAt: at(21) });
    await addMessage(db, third.siteId, conv2, { role: 'human', text: 'It is held at the depot; I have rebooked delivery.', sentAt: at(22) });
    await addMessage(db, third.siteId, conv2, { role: 'agent', text: 'Is there anything else I can help with?', sentAt: at(23) });
    await addMessage(db, third.siteId, conv2, { role: 'human', text: 'Have a good day!', sentAt: at(24) });

    const rows = await collectAll({ siteId: third.siteId });
    const correctionOf = (caseId: string) => rows.find((r) => r.caseId === caseId)?.humanCorrection;
    expect(correctionOf(first.caseId)).toBeNull();
    expect(correctionOf(second.caseId)).toBe('We are open 9 to 5, Monday to Friday.');
    expect(correctionOf(escalated.caseId)).toBe('It is held at the depot; I have rebooked delivery.');
  });

  it("should write each automatic mode's confidence and the reviewer's note, as flat CSV columns too", async () => {
    const db = database.db;
    const { caseId } = await ratedAnswer(db, third.siteId, {
      at: at(40),
      rating: -1,
      topic: 'modes',
      autoMode: 'context_drift',
      extra: {
        autoModes: [
          { mode: 'context_drift', confidence: 0.75, rationale: 'context 96% full', spanId: null, rule: 'context-full' },
          { mode: 'tool_failure', confidence: 0.5, rationale: 'a retry', spanId: null, rule: 'tool-retry' },
        ],
      },
    });
    await labelCase(db, caseId, { mode: 'tool_failure', staffId: await staffId(), note: 'The retry, not the context, broke it, "really"' });

    const [row] = await collectAll({ siteId: third.siteId, topic: 'modes' });
    expect(row).toMatchObject({
      failureModes: [
        { mode: 'context_drift', rationale: 'context 96% full', confidence: 0.75 },
        { mode: 'tool_failure', rationale: 'a retry', confidence: 0.5 },
      ],
      humanLabel: 'tool_failure',
      humanNote: 'The retry, not the context, broke it, "really"',
    });

    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    await runCaseExport(db, { siteId: third.siteId, topic: 'modes' }, 'csv', out, new PassThrough());
    const [header, line] = text.trim().split('\n').map(parseCsvLine);
    const cell = (name: string) => line![header!.indexOf(name)];
    expect(line).toHaveLength(header!.length);
    expect(cell('humanLabel')).toBe('tool_failure');
    expect(cell('humanNote')).toBe('The retry, not the context, broke it, "really"');
    expect(cell('failureModeConfidence.context_drift')).toBe('0.75');
    expect(cell('failureModeConfidence.tool_failure')).toBe('0.5');
    expect(cell('failureModeConfidence.hallucination')).toBe('');
    expect(JSON.parse(cell('failureModes')!)).toEqual(row!.failureModes);
  });
});

/** One CSV line's cells (quoted cells with doubled quotes, as csvField writes them). */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') cells.push(cell), (cell = '');
    else cell += ch;
  }
  cells.push(cell);
  return cells;
}

async function staffId(): Promise<string> {
  const s = await createStaff(database.db, { email: `rev-${Date.now()}@example.com`, role: 'reviewer', password: 'correct horse battery staple' });
  return s.id;
}
