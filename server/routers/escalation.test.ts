import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { escalationRequests, escalations, events, messages } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { conversation, userMessage } from '../test/fixtures';
import { CLI_ACTOR } from '../domain/audit';
import { setStaffDisabled } from '../domain/staff';
import { collect, escalationSignal, subscriptionError, instanceOf, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let otherSite: CreatedSite;
let agent: Awaited<ReturnType<typeof signedInStaff>>;
let agent2: Awaited<ReturnType<typeof signedInStaff>>;
let admin: Awaited<ReturnType<typeof signedInStaff>>;
let reviewer: Awaited<ReturnType<typeof signedInStaff>>;
let outsider: Awaited<ReturnType<typeof signedInStaff>>;

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Shop', origins: ['https://shop.example.com'] });
  otherSite = await createSite(database.db, { name: 'Other', origins: ['https://other.example.com'] });
  [agent, agent2, admin, reviewer, outsider] = await Promise.all([
    signedInStaff(inst, 'agent', [site.siteId], 'Maya'),
    signedInStaff(inst, 'agent', [site.siteId], 'Sam'),
    signedInStaff(inst, 'admin', [site.siteId]),
    signedInStaff(inst, 'reviewer', [site.siteId]),
    signedInStaff(inst, 'agent', [otherSite.siteId]),
  ]);
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

const widget = () => widgetCaller(inst, site.publicKey);

/** A new conversation with one escalation request; returns the escalation id and the conversation. */
async function escalate(extra: Parameters<typeof escalationSignal>[1] = {}) {
  const conv = conversation();
  await widget().signal.push({ items: [userMessage(conv, 'Can you refund me?'), escalationSignal(conv, extra)] });
  const [row] = await database.db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId));
  return { conv, escalationId: row!.id };
}

describe(`escalation via signal.push (${testDbKind})`, () => {
  it('should store a request once when the same batch is retried', async () => {
    const conv = conversation();
    const req = escalationSignal(conv);
    const first = await widget().signal.push({ items: [req] });
    const again = await widget().signal.push({ items: [req] });
    expect(first.results[0]!.status).toBe('stored');
    expect(again.results[0]!.status).toBe('duplicate');
    expect(await database.db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId))).toHaveLength(1);
    const created = await database.db.select().from(events).where(eq(events.conversationId, conv.conversationId));
    expect(created.map((e) => e.type)).toEqual(['escalation.created']);
  });

  it('should join a second request to the open escalation of the conversation', async () => {
    const { conv, escalationId } = await escalate();
    const second = escalationSignal(conv, { trigger: 'repeated_negative', note: 'still stuck', contactEmail: 'ada@example.com' });
    await widget().signal.push({ items: [second] });
    const rows = await database.db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.contactEmail).toBe('ada@example.com');
    expect(await database.db.select().from(escalationRequests).where(eq(escalationRequests.escalationId, escalationId))).toHaveLength(2);
  });

  it('should make one open escalation from concurrent requests of one conversation', async () => {
    const conv = conversation();
    await widget().signal.push({ items: [userMessage(conv)] });
    await Promise.all(Array.from({ length: 5 }, () => widget().signal.push({ items: [escalationSignal(conv)] })));
    expect(await database.db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId))).toHaveLength(1);
  });

  it('should open a new escalation after the previous one was resolved', async () => {
    const { conv, escalationId } = await escalate();
    await admin.caller().escalation.resolve({ escalationId, outcome: 'resolved' });
    await widget().signal.push({ items: [escalationSignal(conv)] });
    const rows = await database.db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId));
    expect(rows.map((r) => r.status).sort()).toEqual(['queued', 'resolved']);
  });

  it('should refuse a reused request id with a different body as CONFLICT', async () => {
    const conv = conversation();
    const req = escalationSignal(conv);
    await widget().signal.push({ items: [req] });
    await expect(widget().signal.push({ items: [{ ...req, note: 'changed' }] })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('should refuse an invalid trigger and contact email naming the fields', async () => {
    const conv = conversation();
    const bad = { ...escalationSignal(conv), trigger: 'bored', contactEmail: 'not-an-email' } as never;
    await expect(widget().signal.push({ items: [bad] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe(`escalation staff procedures (${testDbKind})`, () => {
  it('should let exactly one of many concurrent claims win and tell the others who has it', async () => {
    const { escalationId } = await escalate();
    const claimers = [agent, agent2, admin, agent, agent2, admin, agent2, admin];
    const results = await Promise.allSettled(claimers.map((s) => s.caller().escalation.claim({ escalationId })));
    const [row] = await database.db.select().from(escalations).where(eq(escalations.id, escalationId));
    const winner = claimers.find((c) => c.id === row!.assigneeId)!;
    const losers = results.filter((r, i) => claimers[i]!.id !== winner.id);
    expect(losers.every((r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'CONFLICT')).toBe(true);
    expect((losers[0] as PromiseRejectedResult).reason.message).toContain(winner.email);
    const claimedEvents = await database.db.select().from(events).where(eq(events.escalationId, escalationId));
    expect(claimedEvents.filter((e) => e.type === 'escalation.claimed')).toHaveLength(1);
  });

  it('should store a reply as a human message and set the first reply time', async () => {
    const { conv, escalationId } = await escalate();
    await agent.caller().escalation.claim({ escalationId });
    await agent.caller().escalation.reply({ escalationId, text: 'Refund is on its way.' });
    const rows = await database.db.select().from(messages).where(eq(messages.conversationId, conv.conversationId));
    expect(rows.find((m) => m.role === 'human')).toMatchObject({ text: 'Refund is on its way.', staffId: agent.id });
    const [e] = await database.db.select().from(escalations).where(eq(escalations.id, escalationId));
    expect(e!.firstHumanReplyAt).not.toBeNull();
  });

  it('should store a reply and a note with NUL and half an emoji as normalised text, never fail on them', async () => {
    const { conv, escalationId } = await escalate();
    await agent.caller().escalation.claim({ escalationId });
    await agent.caller().escalation.reply({ escalationId, text: 'Hi\u0000 there \ud83d' });
    await agent.caller().escalation.note({ escalationId, text: 'Note\u0000 \ud83d' });
    const rows = await database.db.select().from(messages).where(eq(messages.conversationId, conv.conversationId));
    expect(rows.find((m) => m.role === 'human')?.text).toBe('Hi there \ufffd');
  });

  it('should store a retried reply once', async () => {
    const { conv, escalationId } = await escalate();
    await agent.caller().escalation.claim({ escalationId });
    const clientEventId = crypto.randomUUID();
    await agent.caller().escalation.reply({ escalationId, text: 'Hello', clientEventId });
    await agent.caller().escalation.reply({ escalationId, text: 'Hello', clientEventId });
    const rows = await database.db.select().from(messages).where(eq(messages.conversationId, conv.conversationId));
    expect(rows.filter((m) => m.role === 'human')).toHaveLength(1);
  });

  it('should refuse a reply from someone who has not claimed it', async () => {
    const { escalationId } = await escalate();
    await expect(agent.caller().escalation.reply({ escalationId, text: 'hi' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Claim') });
    await agent2.caller().escalation.claim({ escalationId });
    await expect(agent.caller().escalation.reply({ escalationId, text: 'hi' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Sam') });
  });

  it('should unclaim, transfer to another agent of the site and resolve with an outcome', async () => {
    const { escalationId } = await escalate();
    await agent.caller().escalation.claim({ escalationId });
    expect((await agent.caller().escalation.unclaim({ escalationId })).status).toBe('queued');
    await agent.caller().escalation.claim({ escalationId });
    expect(await agent.caller().escalation.transfer({ escalationId, toStaffId: agent2.id })).toMatchObject({ status: 'claimed', assigneeId: agent2.id });
    expect(await agent2.caller().escalation.resolve({ escalationId, outcome: 'agent_was_wrong' })).toMatchObject({ status: 'resolved', outcome: 'agent_was_wrong' });
    await expect(agent2.caller().escalation.claim({ escalationId })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('resolved') });
  });

  it('should refuse a transfer to a reviewer or to staff of another site', async () => {
    const { escalationId } = await escalate();
    await agent.caller().escalation.claim({ escalationId });
    await expect(agent.caller().escalation.transfer({ escalationId, toStaffId: reviewer.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(agent.caller().escalation.transfer({ escalationId, toStaffId: outsider.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('should refuse a transfer to a disabled account with a message that says so', async () => {
    const { escalationId } = await escalate();
    await agent.caller().escalation.claim({ escalationId });
    const gone = await signedInStaff(inst, 'agent', [site.siteId]);
    await setStaffDisabled(database.db, CLI_ACTOR, gone.id, true);
    await expect(agent.caller().escalation.transfer({ escalationId, toStaffId: gone.id })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('disabled') });
    expect(JSON.stringify((await agent.caller().escalation.byId({ escalationId })).escalation)).not.toContain(gone.id);
  });

  it('should list with filters, counts and time waiting, only for the staff member\'s sites', async () => {
    const { escalationId } = await escalate();
    await agent.caller().escalation.claim({ escalationId });
    const mine = await agent.caller().escalation.list({ filter: 'mine' });
    expect(mine.items.map((i) => i.id)).toContain(escalationId);
    expect(mine.items.every((i) => i.assignee?.id === agent.id)).toBe(true);
    const queued = await agent.caller().escalation.list({ filter: 'queued' });
    expect(queued.items.every((i) => i.status === 'queued')).toBe(true);
    expect(queued.counts.queued).toBe(queued.items.length);
    expect(queued.items[0]!.waitingMs).toBeGreaterThanOrEqual(0);
    const other = await outsider.caller().escalation.list({ filter: 'open' });
    expect(other.items).toEqual([]);
    expect(other.counts).toEqual({ queued: 0, mine: 0, open: 0, resolved: 0 });
  });

  it('should give the escalation with its transcript, reason, note, page and unverified identity', async () => {
    const { escalationId } = await escalate({ trigger: 'low_confidence', identity: { userId: 'u_42', name: 'Ada' } });
    await agent.caller().escalation.claim({ escalationId });
    await agent.caller().escalation.note({ escalationId, text: 'VIP customer' });
    const detail = await reviewer.caller().escalation.byId({ escalationId });
    expect(detail.escalation).toMatchObject({ trigger: 'low_confidence', note: 'I need a refund', pageUrl: 'https://shop.example.com/billing', claimedIdentity: { userId: 'u_42', name: 'Ada', verified: false } });
    expect(detail.transcript.map((m) => m.text)).toEqual(['Can you refund me?']);
    expect(detail.notes.map((n) => n.text)).toEqual(['VIP customer']);
  });
});

describe(`escalation access rules (${testDbKind})`, () => {
  const work: [string, (c: ReturnType<typeof agent.caller>, id: string) => Promise<unknown>][] = [
    ['claim', (c, id) => c.escalation.claim({ escalationId: id })],
    ['unclaim', (c, id) => c.escalation.unclaim({ escalationId: id })],
    ['transfer', (c, id) => c.escalation.transfer({ escalationId: id, toStaffId: agent.id })],
    ['reply', (c, id) => c.escalation.reply({ escalationId: id, text: 'hi' })],
    ['note', (c, id) => c.escalation.note({ escalationId: id, text: 'hi' })],
    ['resolve', (c, id) => c.escalation.resolve({ escalationId: id, outcome: 'resolved' })],
  ];

  it.each(work)('should refuse %s to a reviewer with FORBIDDEN', async (_name, call) => {
    const { escalationId } = await escalate();
    await expect(call(reviewer.caller(), escalationId)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('Reviewers') });
  });

  it.each([...work, ['byId', (c, id) => c.escalation.byId({ escalationId: id })] as (typeof work)[number]])(
    'should answer %s from staff of another site with NOT_FOUND',
    async (_name, call) => {
      const { escalationId } = await escalate();
      await expect(call(outsider.caller(), escalationId)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(escalationId) });
      const [row] = await database.db.select().from(escalations).where(eq(escalations.id, escalationId));
      expect(row).toMatchObject({ status: 'queued', assigneeId: null });
    },
  );

  it('should list transfer targets only for members of the site, without reviewers', async () => {
    await expect(outsider.caller().staff.list({ siteId: site.siteId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const targets = await reviewer.caller().staff.list({ siteId: site.siteId });
    expect(targets.map((t) => t.id)).toEqual(expect.arrayContaining([agent.id, agent2.id, admin.id]));
    expect(targets.map((t) => t.id)).not.toContain(reviewer.id);
  });

  it('should refuse a list of a site the staff member does not belong to', async () => {
    await expect(outsider.caller().escalation.list({ siteId: site.siteId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('should refuse the Inbox subscription without a session', async () => {
    const { createContextInner } = await import('../context');
    const { createCallerFactory } = await import('../trpc');
    const { appRouter } = await import('.');
    const caller = createCallerFactory(appRouter)(createContextInner({ db: database.db, bus: inst.bus }));
    await expect(caller.escalation.onInbox({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should refuse hours changes from an agent and accept them from an admin of the site', async () => {
    const hours = { timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], open: '09:00', close: '17:00' };
    await expect(agent.caller().site.setHours({ siteId: site.siteId, hours })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(outsider.caller().site.setHours({ siteId: site.siteId, hours })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await admin.caller().site.setHours({ siteId: site.siteId, hours: null })).toEqual({ hours: null });
  });
});

describe(`live subscriptions (${testDbKind})`, () => {
  it('should show a new escalation on the Inbox of the site and not on another site\'s', async () => {
    const inbox = collect((signal) => agent.caller({ signal }).escalation.onInbox({}));
    const foreign = collect((signal) => outsider.caller({ signal }).escalation.onInbox({}));
    await new Promise((r) => setTimeout(r, 100));
    const { escalationId } = await escalate();
    await inbox.until((ev) => ev.some((e) => e.escalationId === escalationId && e.type === 'escalation.created'));
    await new Promise((r) => setTimeout(r, 200));
    expect(foreign.events).toEqual([]);
    await inbox.stop();
    await foreign.stop();
  });

  it('should show the user\'s messages to a person on the Inbox but not echo them to the widget', async () => {
    const { conv, escalationId } = await escalate();
    const inbox = collect((signal) => agent.caller({ signal }).escalation.onInbox({}));
    await new Promise((r) => setTimeout(r, 100));
    await widget().signal.push({ items: [userMessage(conv, 'Are you there?')] });
    const events = await inbox.until((ev) => ev.some((e) => e.type === 'message.user'));
    expect(events.find((e) => e.type === 'message.user')).toMatchObject({ escalationId, audience: 'staff', payload: { text: 'Are you there?' } });
    await inbox.stop();
  });

  it('should never send an internal note to the widget subscription', async () => {
    const { conv, escalationId } = await escalate();
    const { ticket } = await widget().conversation.streamTicket(conv);
    const stream = collect((signal) => widgetCaller(inst, site.publicKey, undefined, { signal }).conversation.onEvent({ ticket, lastEventId: '0' }));
    await agent.caller().escalation.claim({ escalationId });
    await agent.caller().escalation.note({ escalationId, text: 'SECRET internal remark' });
    await agent.caller().escalation.reply({ escalationId, text: 'Hi, Maya here.' });
    await stream.until((ev) => ev.some((e) => e.type === 'message.human'));
    await stream.stop();
    expect(stream.events.map((e) => e.type)).toEqual(['escalation.created', 'escalation.claimed', 'message.human']);
    expect(JSON.stringify(stream.events)).not.toContain('SECRET');
    expect(stream.events[1]!.payload).toMatchObject({ staff: { displayName: 'Maya' } });
  });

  it('should resume from lastEventId with exactly the missed events', async () => {
    const { conv, escalationId } = await escalate();
    const { ticket } = await widget().conversation.streamTicket(conv);
    const first = collect((signal) => widgetCaller(inst, site.publicKey, undefined, { signal }).conversation.onEvent({ ticket, lastEventId: '0' }));
    await agent.caller().escalation.claim({ escalationId });
    await first.until((ev) => ev.some((e) => e.type === 'escalation.claimed'));
    await first.stop();
    const seen = first.ids.at(-1)!;
    for (const text of ['one', 'two', 'three']) await agent.caller().escalation.reply({ escalationId, text });
    const resumed = collect((signal) => widgetCaller(inst, site.publicKey, undefined, { signal }).conversation.onEvent({ ticket, lastEventId: seen }));
    await resumed.until((ev) => ev.length >= 3);
    await new Promise((r) => setTimeout(r, 150));
    await resumed.stop();
    expect(resumed.events.map((e) => e.payload.text)).toEqual(['one', 'two', 'three']);
    expect(resumed.ids.every((id) => Number(id) > Number(seen))).toBe(true);
  });

  it('should refuse a widget stream with a forged or expired ticket', async () => {
    const { conv } = await escalate();
    const { ticket } = await widget().conversation.streamTicket(conv);
    const forged = ticket.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect(await subscriptionError(widget().conversation.onEvent({ ticket: forged }))).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid stream ticket.' });
    const [id, , mac] = ticket.split('.');
    expect(await subscriptionError(widget().conversation.onEvent({ ticket: `${id}.${Date.now() - 1}.${mac}` }))).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should refuse a stream ticket and the conversation for a wrong token', async () => {
    const { conv } = await escalate();
    const wrong = { ...conv, conversationToken: 'x'.repeat(43) };
    await expect(widget().conversation.streamTicket(wrong)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(widget().conversation.byId(wrong)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('should give the widget its transcript with the person\'s reply and the handoff state after a reload', async () => {
    const { conv, escalationId } = await escalate();
    await agent.caller().escalation.claim({ escalationId });
    await agent.caller().escalation.note({ escalationId, text: 'SECRET' });
    await agent.caller().escalation.reply({ escalationId, text: 'Refund sent.' });
    const view = await widget().conversation.byId(conv);
    expect(view.transcript.map((m) => [m.role, m.text, m.author])).toEqual([
      ['user', 'Can you refund me?', null],
      ['human', 'Refund sent.', 'Maya'],
    ]);
    expect(view.escalation).toMatchObject({ status: 'claimed', staff: { displayName: 'Maya' }, position: null });
    expect(JSON.stringify(view)).not.toContain('SECRET');
  });

  it('should refuse conversation.byId sent as a GET, so the token is never in a URL', async () => {
    const { conv } = await escalate();
    await expect(widgetCaller(inst, site.publicKey, undefined, { method: 'GET' }).conversation.byId(conv)).rejects.toMatchObject({ code: 'METHOD_NOT_SUPPORTED' });
  });

  it('should report nobody online until an agent has the Inbox open, and its queue position', async () => {
    const solo = await createSite(database.db, { name: 'Solo', origins: ['https://shop.example.com'] });
    const soloAgent = await signedInStaff(inst, 'agent', [solo.siteId]);
    const w = widgetCaller(inst, solo.publicKey);
    expect((await w.site.config()).handoff).toEqual({ nobodyOnline: true, reason: 'no_staff' });
    const inbox = collect((signal) => soloAgent.caller({ signal }).escalation.onInbox({}));
    await new Promise((r) => setTimeout(r, 200));
    expect((await w.site.config()).handoff).toEqual({ nobodyOnline: false });
    const a = conversation();
    const b = conversation();
    await w.signal.push({ items: [escalationSignal(a)] });
    await w.signal.push({ items: [escalationSignal(b)] });
    expect((await w.conversation.byId(b)).escalation).toMatchObject({ status: 'queued', position: 2 });
    await inbox.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect((await w.site.config()).handoff).toEqual({ nobodyOnline: true, reason: 'no_staff' });
  });
});
