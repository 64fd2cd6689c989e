import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { createSite, type CreatedSite } from '../domain/sites';
import { addStaffToSites, createStaff } from '../domain/staff';
import { conversation, TEST_ORIGIN } from '../test/fixtures';
import { escalationSignal, PASSWORD } from '../test/handoff-fixtures';
import { openSse } from '../test/sse-client';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let app: FastifyInstance;
let base: string;
let site: CreatedSite;
const email = 'http-agent@example.com';

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, secureCookies: true });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  site = await createSite(database.db, { name: 'HTTP shop', origins: [TEST_ORIGIN] });
  const agent = await createStaff(database.db, { email, role: 'agent', password: PASSWORD, displayName: 'Maya' });
  await addStaffToSites(database.db, agent.id, [site.siteId]);
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const json = { 'content-type': 'application/json' };
const staffHeaders = (cookie: string) => ({ ...json, 'x-backstop-csrf': '1', cookie });
const widgetHeaders = { ...json, 'x-backstop-key': '', origin: TEST_ORIGIN };

async function login(): Promise<{ cookie: string; setCookie: string }> {
  const res = await fetch(`${base}/trpc/staff.login`, { method: 'POST', headers: { ...json, 'x-backstop-csrf': '1' }, body: JSON.stringify({ email, password: PASSWORD }) });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie')!;
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

const post = (path: string, body: unknown, headers: Record<string, string>) => fetch(`${base}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

describe(`staff and live updates over HTTP (${testDbKind})`, () => {
  it('should set the session cookie HttpOnly, SameSite=Strict and Secure when the server is public over https', async () => {
    const { setCookie } = await login();
    expect(setCookie).toMatch(/^backstop_session=[\w-]{40,};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Secure/i);
  });

  it('should refuse a staff mutation sent as a form, or as JSON without the CSRF header', async () => {
    const { cookie } = await login();
    const form = await fetch(`${base}/trpc/staff.logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-backstop-csrf': '1', cookie }, body: 'a=1' });
    // fastify has no form parser (415); either way the cookie alone does nothing.
    expect([403, 415]).toContain(form.status);
    const noHeader = await fetch(`${base}/trpc/staff.logout`, { method: 'POST', headers: { ...json, cookie }, body: '{}' });
    expect(noHeader.status).toBe(403);
    const me = await fetch(`${base}/trpc/staff.me`, { headers: { cookie } });
    expect(me.status).toBe(200); // neither request signed the staff member out

  });

  it('should clear the cookie on logout and refuse the old session', async () => {
    const { cookie } = await login();
    const res = await post('staff.logout', {}, staffHeaders(cookie));
    expect(res.headers.get('set-cookie')).toMatch(/backstop_session=;/);
    expect((await fetch(`${base}/trpc/staff.me`, { headers: { cookie } })).status).toBe(401);
  });

  it('should stream a handoff to the Inbox and the reply to the widget, without the token in any URL', async () => {
    const { cookie } = await login();
    const inbox = openSse(`${base}/trpc/escalation.onInbox?input=${encodeURIComponent('{}')}`, { cookie });
    await new Promise((r) => setTimeout(r, 200));
    const conv = conversation();
    const pushed = await post('signal.push', { items: [escalationSignal(conv)] }, { ...widgetHeaders, 'x-backstop-key': site.publicKey });
    expect(pushed.status).toBe(200);
    const [created] = await inbox.until((ev) => ev.some((e) => e.data.type === 'escalation.created'));
    const escalationId = created!.data.escalationId as string;

    const ticketRes = await post('conversation.streamTicket', conv, { ...widgetHeaders, 'x-backstop-key': site.publicKey });
    const { ticket } = (await ticketRes.json()).result.data;
    const streamUrl = `${base}/trpc/conversation.onEvent?input=${encodeURIComponent(JSON.stringify({ ticket, lastEventId: '0' }))}`;
    expect(streamUrl).not.toContain(conv.conversationToken);
    const widgetStream = openSse(streamUrl, { origin: TEST_ORIGIN });
    await post('escalation.claim', { escalationId }, staffHeaders(cookie));
    await post('escalation.note', { escalationId, text: 'internal only' }, staffHeaders(cookie));
    await post('escalation.reply', { escalationId, text: 'Maya here, refund sent.' }, staffHeaders(cookie));
    const events = await widgetStream.until((ev) => ev.some((e) => e.data.type === 'message.human'));
    expect(events.map((e) => e.data.type)).toEqual(['escalation.created', 'escalation.claimed', 'message.human']);
    await inbox.until((ev) => ev.some((e) => e.data.type === 'escalation.note'));
    await widgetStream.close();
    await inbox.close();
  });

  it('should accept the stream ticket in connectionParams, which the client re-reads on every reconnect', async () => {
    const conv = conversation();
    await post('signal.push', { items: [escalationSignal(conv)] }, { ...widgetHeaders, 'x-backstop-key': site.publicKey });
    const ticketRes = await post('conversation.streamTicket', conv, { ...widgetHeaders, 'x-backstop-key': site.publicKey });
    const { ticket } = (await ticketRes.json()).result.data;
    const params = encodeURIComponent(JSON.stringify({ ticket }));
    const stream = openSse(`${base}/trpc/conversation.onEvent?connectionParams=${params}&input=${encodeURIComponent(JSON.stringify({ lastEventId: '0' }))}`, { origin: TEST_ORIGIN });
    const events = await stream.until((ev) => ev.length > 0);
    expect(events[0]!.data).toMatchObject({ type: 'escalation.created', conversationId: conv.conversationId });
    await stream.close();
  });

  it('should refuse a widget stream without a ticket', async () => {
    const stream = openSse(`${base}/trpc/conversation.onEvent?input=${encodeURIComponent('{}')}`, { origin: TEST_ORIGIN });
    const deadline = Date.now() + 5000;
    while (!stream.messages.some((m) => m.event === 'serialized-error') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const error = stream.messages.find((m) => m.event === 'serialized-error');
    expect(error?.data).toContain('stream ticket');
    await stream.close();
  });

  it('should read the conversation with a POST and refuse it as a GET with the token in the URL', async () => {
    const conv = conversation();
    await post('signal.push', { items: [escalationSignal(conv)] }, { ...widgetHeaders, 'x-backstop-key': site.publicKey });
    const viaPost = await post('conversation.byId', conv, { ...widgetHeaders, 'x-backstop-key': site.publicKey });
    expect(viaPost.status).toBe(200);
    expect((await viaPost.json()).result.data.escalation.status).toBe('queued');
    const viaGet = await fetch(`${base}/trpc/conversation.byId?input=${encodeURIComponent(JSON.stringify(conv))}`, { headers: { 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN } });
    expect(viaGet.status).toBe(405);
  });
});
