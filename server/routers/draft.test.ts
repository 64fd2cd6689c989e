import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageSignal } from '../../shared/schemas';
import type { Database } from '../db/client';
import { auditLog, drafts, events, messages, sites, topics } from '../db/schema';
import { issueTicket } from '../domain/stream-tickets';
import { createSite, type CreatedSite } from '../domain/sites';
import { agentMessage, conversation, userMessage } from '../test/fixtures';
import { addCase } from '../test/review-fixtures';
import { collect, instanceOf, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let agent: Awaited<ReturnType<typeof signedInStaff>>;
let agent2: Awaited<ReturnType<typeof signedInStaff>>;
let reviewer: Awaited<ReturnType<typeof signedInStaff>>;

const ORIGINAL = 'Refunds take **30 days** and cost a fee.';

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Shop', origins: ['https://shop.example.com'] });
  await database.db.insert(topics).values([
    { siteId: site.siteId, name: 'refunds', autonomy: 'human_review' },
    { siteId: site.siteId, name: 'billing', autonomy: 'auto' },
  ]);
  [agent, agent2, reviewer] = await Promise.all([
    signedInStaff(inst, 'agent', [site.siteId], 'Maya'),
    signedInStaff(inst, 'agent', [site.siteId], 'Sam'),
    signedInStaff(inst, 'reviewer', [site.siteId]),
  ]);
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

const widget = () => widgetCaller(inst, site.publicKey);

/** A conversation where the user asks and the agent answers about `topic`; the answer signal and its conversation. */
async function ask(topic = 'refunds', question = 'Can I get my money back?') {
  const conv = conversation();
  const asked = userMessage(conv, question);
  const answer: MessageSignal = agentMessage(conv, {
    text: ORIGINAL,
    answer: { id: randomUUID(), confidence: 0.62, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', topic },
    createdAt: new Date(Date.parse(asked.createdAt) + 1000).toISOString(),
  });
  await widget().signal.push({ items: [asked, answer] });
  return { conv, answer };
}

async function draftOf(answer: MessageSignal) {
  const [row] = await database.db
    .select({ d: drafts })
    .from(drafts)
    .innerJoin(messages, eq(messages.id, drafts.messageId))
    .where(and(eq(messages.siteId, site.siteId), eq(messages.clientEventId, answer.clientEventId)));
  return row?.d;
}

/** Everything the widget can receive about a conversation, as one string: its snapshot and its stream replayed from the start. */
async function everythingTheWidgetGets(conv: ReturnType<typeof conversation>): Promise<string> {
  const view = await widget().conversation.byId(conv);
  const { ticket } = await widget().conversation.streamTicket(conv);
  const stream = collect((signal) => widgetCaller(inst, site.publicKey, 'https://shop.example.com', { signal }).conversation.onEvent({ ticket, lastEventId: '0' }));
  // The stream replays the log from the start; an event appended just now marks the end of the replay.
  await new Promise((r) => setTimeout(r, 200));
  await stream.stop();
  return JSON.stringify({ view, events: stream.events });
}

describe(`hold-back (${testDbKind})`, () => {
  it('should hold an answer whose topic is under human review as a pending draft', async () => {
    const { answer, conv } = await ask();
    const d = await draftOf(answer);
    expect(d).toMatchObject({ status: 'pending', topic: 'refunds', confidence: expect.closeTo(0.62, 5), traceId: '4bf92f3577b34da6a3ce929d0e0e4736', conversationId: conv.conversationId, finalText: null });
  });

  it('should not hold answers of automatic topics', async () => {
    const { answer } = await ask('billing');
    expect(await draftOf(answer)).toBeUndefined();
  });

  it('should hold answers of unknown topics when the site default is human review', async () => {
    const strict = await createSite(database.db, { name: 'Strict', origins: ['https://shop.example.com'] });
    await database.db.update(sites).set({ trust: sql`${sites.trust} || ${JSON.stringify({ defaultAutonomy: 'human_review' })}::jsonb` }).where(eq(sites.id, strict.siteId));
    const conv = conversation();
    const answer = agentMessage(conv, { answer: { id: 'x', confidence: 0.9, topic: 'never defined' } });
    await widgetCaller(inst, strict.publicKey).signal.push({ items: [answer] });
    const [row] = await database.db.select().from(drafts).where(eq(drafts.siteId, strict.siteId));
    expect(row?.status).toBe('pending');
  });

  it('should make one draft when the same answer is sent again', async () => {
    const conv = conversation();
    const answer = agentMessage(conv, { answer: { id: 'r', confidence: 0.5, topic: 'refunds' } });
    expect((await widget().signal.push({ items: [answer] })).results[0]!.status).toBe('stored');
    expect((await widget().signal.push({ items: [answer] })).results[0]!.status).toBe('duplicate');
    expect(await database.db.select().from(drafts).where(eq(drafts.conversationId, conv.conversationId))).toHaveLength(1);
  });

  it('should tell staff that a draft waits, without its text', async () => {
    const { conv } = await ask();
    const rows = await database.db.select().from(events).where(eq(events.conversationId, conv.conversationId));
    expect(rows.map((e) => [e.type, e.audience])).toEqual([['draft.created', 'staff']]);
    expect(JSON.stringify(rows)).not.toContain('30 days');
  });
});

describe(`a draft never reaches the widget before a decision (${testDbKind})`, () => {
  it('should show a pending draft as checking, without its text, on every widget path', async () => {
    const { conv, answer } = await ask();
    const view = await widget().conversation.byId(conv);
    const held = view.transcript.find((m) => m.messageId === answer.clientEventId);
    expect(held).toMatchObject({ role: 'agent', text: '', checking: true });
    expect(await everythingTheWidgetGets(conv)).not.toContain('30 days');
  });

  it('should never give the widget a rejected draft’s text, only the replacement', async () => {
    const { conv, answer } = await ask();
    const d = (await draftOf(answer))!;
    await agent.caller().draft.reject({ draftId: d.id, text: 'A colleague will check your order and write to you today.' });
    const all = await everythingTheWidgetGets(conv);
    expect(all).not.toContain('30 days');
    expect(all).toContain('A colleague will check your order');
    const view = await widget().conversation.byId(conv);
    expect(view.transcript.find((m) => m.messageId === answer.clientEventId)).toMatchObject({ text: 'A colleague will check your order and write to you today.' });
    expect(view.transcript.find((m) => m.messageId === answer.clientEventId)).not.toHaveProperty('checking');
  });

  it('should deliver an approved draft’s text live and in the snapshot', async () => {
    const { conv, answer } = await ask();
    const { ticket } = await issueTicket(database.db, conv.conversationId);
    const stream = collect((signal) => widgetCaller(inst, site.publicKey, 'https://shop.example.com', { signal }).conversation.onEvent({ ticket }));
    await new Promise((r) => setTimeout(r, 100));
    await agent.caller().draft.approve({ draftId: (await draftOf(answer))!.id });
    const got = await stream.until((es) => es.some((e) => e.type === 'draft.decided'));
    await stream.stop();
    expect(got.filter((e) => e.type.startsWith('draft.')).map((e) => e.type)).toEqual(['draft.decided']);
    expect(got.find((e) => e.type === 'draft.decided')!.payload).toMatchObject({ messageId: answer.clientEventId, text: ORIGINAL });
    const view = await widget().conversation.byId(conv);
    expect(view.transcript.find((m) => m.messageId === answer.clientEventId)?.text).toBe(ORIGINAL);
  });
});

describe(`decisions (${testDbKind})`, () => {
  it('should list pending drafts oldest first with the question before each', async () => {
    const first = await ask('refunds', 'First question?');
    const second = await ask('refunds', 'Second question?');
    const list = await agent.caller().draft.list({ siteId: site.siteId });
    const ids = list.items.map((i) => i.id);
    const a = (await draftOf(first.answer))!.id;
    const b = (await draftOf(second.answer))!.id;
    expect(ids.indexOf(a)).toBeLessThan(ids.indexOf(b));
    expect(list.items.find((i) => i.id === b)).toMatchObject({ question: 'Second question?', text: ORIGINAL, topic: 'refunds', siteName: 'Shop', conversationId: second.conv.conversationId });
    expect(list.pending).toBeGreaterThanOrEqual(2);
  });

  it('should link a draft to its review case when it has one', async () => {
    const { answer, conv } = await ask();
    const d = (await draftOf(answer))!;
    const caseId = await addCase(database.db, site.siteId, { conversationId: conv.conversationId, messageId: d.messageId, occurredAt: new Date(), rating: -1 });
    const listed = (await agent.caller().draft.list({ siteId: site.siteId })).items.find((i) => i.id === d.id);
    expect(listed?.caseId).toBe(caseId);
  });

  it('should store an edit with who decided, when, and how long it was open', async () => {
    const { answer } = await ask();
    const id = (await draftOf(answer))!.id;
    await agent.caller().draft.open({ draftId: id });
    await database.db.update(drafts).set({ openedAt: new Date(Date.now() - 4000) }).where(eq(drafts.id, id));
    const decided = await agent.caller().draft.edit({ draftId: id, text: 'Refunds take 5 days and are free.' });
    expect(decided).toMatchObject({ status: 'edited', finalText: 'Refunds take 5 days and are free.' });
    expect(decided.openMs).toBeGreaterThanOrEqual(4000);
    const row = (await draftOf(answer))!;
    expect(row).toMatchObject({ status: 'edited', decidedBy: agent.id, finalText: 'Refunds take 5 days and are free.' });
    expect(row.decidedAt).toBeInstanceOf(Date);
    // The message keeps the agent's own text: the correction is the draft's.
    const [m] = await database.db.select({ text: messages.text }).from(messages).where(eq(messages.id, row.messageId));
    expect(m!.text).toBe(ORIGINAL);
    const audit = await database.db.select().from(auditLog).where(and(eq(auditLog.targetId, id), eq(auditLog.action, 'draft.edit')));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ staffId: agent.id, siteId: site.siteId });
    expect((await agent.caller().draft.list({ siteId: site.siteId })).items.map((i) => i.id)).not.toContain(id);
  });

  it('should keep the first opening time when a draft is opened again', async () => {
    const { answer } = await ask();
    const id = (await draftOf(answer))!.id;
    const first = await agent.caller().draft.open({ draftId: id });
    const again = await agent2.caller().draft.open({ draftId: id });
    expect(again.openedAt).toBe(first.openedAt);
  });

  it('should record 0 ms open for a draft decided without being opened', async () => {
    const { answer } = await ask();
    const decided = await agent.caller().draft.approve({ draftId: (await draftOf(answer))!.id });
    expect(decided.openMs).toBe(0);
    expect((await draftOf(answer))!.openMs).toBe(0);
  });

  it('should let exactly one of two concurrent decisions win and name the winner to the other', async () => {
    const { answer } = await ask();
    const id = (await draftOf(answer))!.id;
    const results = await Promise.allSettled([agent.caller().draft.approve({ draftId: id }), agent2.caller().draft.reject({ draftId: id, text: 'No.' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'CONFLICT' });
    expect(String(lost.reason.message)).toMatch(/^This draft was already (approved|rejected) by (Maya|Sam) \(/);
    await expect(agent.caller().draft.edit({ draftId: id, text: 'Late.' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('should refuse a rejection without a replacement text', async () => {
    const { answer } = await ask();
    await expect(agent.caller().draft.reject({ draftId: (await draftOf(answer))!.id, text: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await draftOf(answer))!.status).toBe('pending');
  });

  it('should let reviewers read the queue but not decide', async () => {
    const { answer } = await ask();
    const id = (await draftOf(answer))!.id;
    expect((await reviewer.caller().draft.list({})).items.map((i) => i.id)).toContain(id);
    await expect(reviewer.caller().draft.approve({ draftId: id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('should tell other Inboxes live that the draft left the queue', async () => {
    const { answer } = await ask();
    const id = (await draftOf(answer))!.id;
    const inbox = collect((signal) => agent2.caller({ signal }).escalation.onInbox({}));
    await new Promise((r) => setTimeout(r, 100));
    await agent.caller().draft.approve({ draftId: id });
    const got = await inbox.until((es) => es.some((e) => e.type === 'draft.closed'));
    await inbox.stop();
    expect(got.find((e) => e.type === 'draft.closed')!.payload).toMatchObject({ draftId: id, status: 'approved', staff: { displayName: 'Maya' } });
  });
});
