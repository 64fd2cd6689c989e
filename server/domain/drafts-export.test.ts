import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalCase } from '../../shared/review';
import type { Database } from '../db/client';
import { drafts, messages, topics } from '../db/schema';
import { agentMessage, conversation, userMessage } from '../test/fixtures';
import { instanceOf, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { addCase } from '../test/review-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { exportCases } from './case-export';
import { createSite, type CreatedSite } from './sites';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let agent: Awaited<ReturnType<typeof signedInStaff>>;

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Shop', origins: ['https://shop.example.com'] });
  await database.db.insert(topics).values({ siteId: site.siteId, name: 'refunds', autonomy: 'human_review' });
  agent = await signedInStaff(inst, 'agent', [site.siteId], 'Maya');
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

/** A held answer to `question`; its draft id, message row id and conversation. */
async function held(question: string, answer: string) {
  const conv = conversation();
  const asked = userMessage(conv, question);
  const a = agentMessage(conv, { text: answer, answer: { id: 'a', confidence: 0.55, topic: 'refunds' }, createdAt: new Date(Date.parse(asked.createdAt) + 1000).toISOString() });
  await widgetCaller(inst, site.publicKey).signal.push({ items: [asked, a] });
  const [row] = await database.db
    .select({ id: drafts.id, messageId: drafts.messageId })
    .from(drafts)
    .innerJoin(messages, eq(messages.id, drafts.messageId))
    .where(and(eq(messages.siteId, site.siteId), eq(messages.clientEventId, a.clientEventId)));
  return { ...row!, conv };
}

async function exported(filter: Parameters<typeof exportCases>[1] = {}): Promise<EvalCase[]> {
  const out: EvalCase[] = [];
  for await (const page of exportCases(database.db, { siteId: site.siteId, ...filter }, 2)) out.push(...page);
  return out;
}

describe(`draft corrections in the eval export (${testDbKind})`, () => {
  it('should export an edited draft nobody rated as a record of its own with the correction', async () => {
    const d = await held('Can I return shoes?', 'No returns on shoes.');
    await agent.caller().draft.edit({ draftId: d.id, text: 'Yes, within 30 days.' });
    const record = (await exported()).find((r) => r.caseId === d.id);
    expect(record).toMatchObject({
      source: 'draft',
      input: 'Can I return shoes?',
      answer: 'No returns on shoes.',
      topic: 'refunds',
      correction: { status: 'edited', text: 'Yes, within 30 days.', by: agent.email, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
  });

  it('should put a rejection on the answer’s own case record, not as a second record', async () => {
    const d = await held('Refund my order', 'Refund done.');
    await agent.caller().draft.reject({ draftId: d.id, text: 'I have asked billing to check.' });
    const caseId = await addCase(database.db, site.siteId, { conversationId: d.conv.conversationId, messageId: d.messageId, occurredAt: new Date(), rating: -1, topic: 'refunds' });
    const all = await exported();
    expect(all.filter((r) => r.caseId === d.id)).toEqual([]);
    expect(all.find((r) => r.caseId === caseId)?.correction).toMatchObject({ status: 'rejected', text: 'I have asked billing to check.', by: agent.email });
  });

  it('should leave approved and pending drafts out of the corrections', async () => {
    const approved = await held('Refund?', 'Yes.');
    await agent.caller().draft.approve({ draftId: approved.id });
    const pending = await held('Refund again?', 'Yes again.');
    const ids = (await exported()).map((r) => r.caseId);
    expect(ids).not.toContain(approved.id);
    expect(ids).not.toContain(pending.id);
  });

  it('should export no draft records under a filter only cases have', async () => {
    expect((await exported({ rating: 'not_helpful' })).some((r) => r.source === 'draft')).toBe(false);
  });
});
