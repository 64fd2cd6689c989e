import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { openDatabase, type Database } from '../db/client';
import { createSite, type CreatedSite } from '../domain/sites';
import { addStaffToSites, createStaff } from '../domain/staff';
import { conversation, TEST_ORIGIN } from '../test/fixtures';
import { escalationSignal, PASSWORD } from '../test/handoff-fixtures';
import { openSse } from '../test/sse-client';
import { freshPostgresOptions } from '../test/test-db';

// Two instances, each with its own connection pool and listening connection, on one PostgreSQL schema.
describe('two instances on one PostgreSQL', () => {
  const options = freshPostgresOptions();
  let dbA: Database;
  let dbB: Database;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let urlA: string;
  let urlB: string;
  let site: CreatedSite;
  const email = 'two-instances@example.com';

  beforeAll(async () => {
    dbA = await openDatabase(options);
    dbB = await openDatabase(options);
    a = await buildApp({ database: dbA });
    b = await buildApp({ database: dbB });
    urlA = await a.listen({ port: 0, host: '127.0.0.1' });
    urlB = await b.listen({ port: 0, host: '127.0.0.1' });
    site = await createSite(dbA.db, { name: 'Two', origins: [TEST_ORIGIN] });
    const agent = await createStaff(dbA.db, { email, role: 'agent', password: PASSWORD, displayName: 'Maya' });
    await addStaffToSites(dbA.db, agent.id, [site.siteId]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dbA.exec(`DROP SCHEMA IF EXISTS "${options.schema}" CASCADE`);
    await dbA?.close();
    await dbB?.close();
  });

  const json = { 'content-type': 'application/json' };
  const widget = () => ({ ...json, 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN });
  const post = (base: string, path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${base}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

  it('should carry a handoff from A to B\'s Inbox and B\'s reply to A\'s widget, and catch up after A\'s listener is killed', async () => {
    const login = await post(urlB, 'staff.login', { email, password: PASSWORD }, { ...json, 'x-backstop-csrf': '1' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const staff = { ...json, 'x-backstop-csrf': '1', cookie };
    const inboxOnB = openSse(`${urlB}/trpc/escalation.onInbox?input=${encodeURIComponent('{}')}`, { cookie });
    await new Promise((r) => setTimeout(r, 200));

    // A handoff made through A appears live on B.
    const conv = conversation();
    await post(urlA, 'signal.push', { items: [escalationSignal(conv)] }, widget());
    const [created] = await inboxOnB.until((ev) => ev.some((e) => e.data.type === 'escalation.created'));
    const escalationId = created!.data.escalationId as string;

    // B's reply reaches the widget connected to A.
    const { ticket } = (await (await post(urlA, 'conversation.streamTicket', conv, widget())).json()).result.data;
    const widgetOnA = openSse(`${urlA}/trpc/conversation.onEvent?input=${encodeURIComponent(JSON.stringify({ ticket, lastEventId: '0' }))}`, { origin: TEST_ORIGIN });
    await post(urlB, 'escalation.claim', { escalationId }, staff);
    await post(urlB, 'escalation.reply', { escalationId, text: 'first reply from B' }, staff);
    await widgetOnA.until((ev) => ev.some((e) => e.data.payload.text === 'first reply from B'));

    // Kill A's listening connection; a reply made while it is down still arrives once it reconnects,
    // well before the subscribers' 15 s safety re-read.
    const pidBefore = a.bus.listener()!.pid()!;
    expect(pidBefore).toBeGreaterThan(0);
    await dbB.exec(`select pg_terminate_backend(${pidBefore})`);
    await post(urlB, 'escalation.reply', { escalationId, text: 'sent while A was deaf' }, staff);
    const started = Date.now();
    const events = await widgetOnA.until((ev) => ev.some((e) => e.data.payload.text === 'sent while A was deaf'), 8000);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(a.bus.listener()!.connected()).toBe(true);
    expect(a.bus.listener()!.pid()).not.toBe(pidBefore);
    // Exactly once each, in order.
    expect(events.filter((e) => e.data.type === 'message.human').map((e) => e.data.payload.text)).toEqual(['first reply from B', 'sent while A was deaf']);

    // After the reconnect, live delivery on A works again.
    await post(urlB, 'escalation.reply', { escalationId, text: 'after reconnect' }, staff);
    await widgetOnA.until((ev) => ev.some((e) => e.data.payload.text === 'after reconnect'));
    await widgetOnA.close();
    await inboxOnB.close();
  });
});
