/**
 * Two `backstop start` processes on one PostgreSQL schema, started at the same moment, as an operator runs
 * them behind a load balancer: they migrate and seed without tripping over each other, a handoff made
 * through A reaches an Inbox streaming from B, and B's reply reaches a widget streaming from A.
 * (server/realtime/two-instances.pg.test.ts covers the killed listener with two apps in one process.)
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/client';
import { createSite, type CreatedSite } from '../domain/sites';
import { addStaffToSites, createStaff } from '../domain/staff';
import { exited, randomPort, startServerProcess } from '../test/cli-process';
import { conversation, TEST_ORIGIN } from '../test/fixtures';
import { escalationSignal, PASSWORD } from '../test/handoff-fixtures';
import { openSse } from '../test/sse-client';
import { freshPostgresOptions } from '../test/test-db';

describe('two server processes on one PostgreSQL', () => {
  const options = freshPostgresOptions();
  const servers: { child: ChildProcess; url: string }[] = [];
  let db: Database;
  let site: CreatedSite;
  const email = 'two-processes@example.com';

  beforeAll(async () => {
    const env = { DATABASE_URL: options.url, DATABASE_SCHEMA: options.schema, RATE_LIMIT: 'off' };
    servers.push(...(await Promise.all([startServerProcess({ ...env, PORT: randomPort() }), startServerProcess({ ...env, PORT: randomPort() })])));
    db = await openDatabase(options);
    site = await createSite(db.db, { name: 'Two processes', origins: [TEST_ORIGIN] });
    const agent = await createStaff(db.db, { email, role: 'agent', password: PASSWORD, displayName: 'Maya' });
    await addStaffToSites(db.db, agent.id, [site.siteId]);
  }, 120_000);
  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => exited(s.child)));
    if (db) await db.exec(`DROP SCHEMA IF EXISTS "${options.schema}" CASCADE`);
    await db?.close();
  });

  const json = { 'content-type': 'application/json' };
  const widget = () => ({ ...json, 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN });
  const post = (base: string, path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${base}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

  it("should carry a handoff from A to B's Inbox and B's reply to A's widget", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const login = await post(b, 'staff.login', { email, password: PASSWORD }, { ...json, 'x-backstop-csrf': '1' });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const staff = { ...json, 'x-backstop-csrf': '1', cookie };
    const inboxOnB = openSse(`${b}/trpc/escalation.onInbox?input=${encodeURIComponent('{}')}`, { cookie });
    await new Promise((r) => setTimeout(r, 300));

    const conv = conversation();
    expect((await post(a, 'signal.push', { items: [escalationSignal(conv)] }, widget())).status).toBe(200);
    const [created] = await inboxOnB.until((ev) => ev.some((e) => e.data.type === 'escalation.created'), 10_000);
    const escalationId = created!.data.escalationId as string;

    const { ticket } = (await (await post(a, 'conversation.streamTicket', conv, widget())).json()).result.data;
    const widgetOnA = openSse(`${a}/trpc/conversation.onEvent?input=${encodeURIComponent(JSON.stringify({ ticket, lastEventId: '0' }))}`, { origin: TEST_ORIGIN });
    expect((await post(b, 'escalation.claim', { escalationId }, staff)).status).toBe(200);
    expect((await post(b, 'escalation.reply', { escalationId, text: 'reply from B' }, staff)).status).toBe(200);
    const events = await widgetOnA.until((ev) => ev.some((e) => e.data.payload?.text === 'reply from B'), 10_000);
    expect(events.filter((e) => e.data.type === 'message.human').map((e) => e.data.payload.text)).toEqual(['reply from B']);
    await widgetOnA.close();
    await inboxOnB.close();
  }, 60_000);
});
