import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { openDatabase, type Database } from '../db/client';
import { escalations, webhookDeliveries } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { conversation, TEST_ORIGIN } from '../test/fixtures';
import { escalationSignal, instanceOf, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { freshDatabaseOptions, testDbKind } from '../test/test-db';
import { startReceiver } from '../test/webhook-receiver';
import { enqueueWebhook } from './outbox';
import { startWebhookWorker } from './worker';

const options = freshDatabaseOptions();
let database: Database;
let inst: Instance;
let admin: Awaited<ReturnType<typeof signedInStaff>>;
let agent: Awaited<ReturnType<typeof signedInStaff>>;
const apps: FastifyInstance[] = [];
const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];

beforeAll(async () => {
  database = await openDatabase(options);
  inst = await instanceOf(database);
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const r of receivers.splice(0)) await r.close();
});
afterAll(async () => {
  await inst.close();
  if (options.kind === 'postgres') await database.exec(`DROP SCHEMA IF EXISTS "${options.schema}" CASCADE`);
  await database.close();
});

/** A site whose admin (and agent) are signed in, with its webhook pointed at `url`; returns the secret. */
async function siteWithWebhook(url: string) {
  const site = await createSite(database.db, { name: 'Hooked shop', origins: [TEST_ORIGIN] });
  admin = await signedInStaff(inst, 'admin', [site.siteId]);
  agent = await signedInStaff(inst, 'agent', [site.siteId]);
  const { secret } = await admin.caller().site.setWebhook({ siteId: site.siteId, url });
  return { site, secret: secret! };
}

async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

async function app(webhooks: Parameters<typeof buildApp>[0]['webhooks'], db: Database = database) {
  const a = await buildApp({ database: db, webhooks });
  apps.push(a);
  return a;
}

async function escalate(site: CreatedSite) {
  const conv = conversation();
  await widgetCaller(inst, site.publicKey).signal.push({ items: [escalationSignal(conv)] });
  const [row] = await database.db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId));
  return row!;
}

const deliveriesOf = (siteId: string) => database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.siteId, siteId));
const fast = { pollMs: 50, baseDelayMs: 100 };

describe(`webhooks (${testDbKind})`, () => {
  it('should sign each delivery so that the receiver can verify it with the secret', async () => {
    const r = await receiver();
    const { site, secret } = await siteWithWebhook(r.url);
    await app(fast);
    const escalation = await escalate(site);
    await admin.caller().escalation.resolve({ escalationId: escalation.id, outcome: 'agent_was_wrong' });
    const got = await r.until((list) => list.length === 2);

    for (const req of got) {
      // Verified here by hand, as a receiver would, not with the server's own signing function.
      const timestamp = String(req.headers['x-backstop-timestamp']);
      const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${req.body}`).digest('hex'));
      const sent = Buffer.from(String(req.headers['x-backstop-signature']).replace(/^v1=/, ''));
      expect(sent.length === expected.length && timingSafeEqual(sent, expected)).toBe(true);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
    }
    // Both deliveries are due at once and may be sent in either order (receivers order them by the payload).
    const byType = new Map(got.map((req) => [String(req.headers['x-backstop-event']), req]));
    const created = JSON.parse(byType.get('escalation.created')!.body);
    const resolved = JSON.parse(byType.get('escalation.resolved')!.body);
    expect(created).toMatchObject({ type: 'escalation.created', siteId: site.siteId, data: { escalation: { id: escalation.id, status: 'queued', trigger: 'user' } } });
    expect(resolved).toMatchObject({ type: 'escalation.resolved', data: { escalation: { id: escalation.id, status: 'resolved', outcome: 'agent_was_wrong' } } });
    expect(byType.get('escalation.created')!.headers['x-backstop-delivery']).toBe(created.id);
  });

  it('should fail verification when the body was changed or another secret is used', async () => {
    const r = await receiver();
    const { site, secret } = await siteWithWebhook(r.url);
    await app(fast);
    await escalate(site);
    const [req] = await r.until((list) => list.length === 1);
    const timestamp = String(req!.headers['x-backstop-timestamp']);
    const sig = String(req!.headers['x-backstop-signature']);
    const sign = (key: string, body: string) => `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
    expect(sign(secret, req!.body)).toBe(sig);
    expect(sign(secret, req!.body.replace('queued', 'claimed'))).not.toBe(sig);
    expect(sign('whsec_other', req!.body)).not.toBe(sig);
  });

  it('should retry a delivery the receiver refused and record it as delivered', async () => {
    const r = await receiver((_req, i) => (i === 0 ? 500 : 200));
    const { site } = await siteWithWebhook(r.url);
    await app(fast);
    await escalate(site);
    const got = await r.until((list) => list.length === 2);
    expect(got[1]!.headers['x-backstop-delivery']).toBe(got[0]!.headers['x-backstop-delivery']);
    await expect.poll(async () => (await admin.caller().site.webhookStatus({ siteId: site.siteId })).last?.status).toBe('delivered');
    const status = await admin.caller().site.webhookStatus({ siteId: site.siteId });
    expect(status).toMatchObject({ url: r.url, pending: 0, failed: 0, last: { attempts: 2, lastStatusCode: 200, lastError: null } });
  });

  it('should send a delivery enqueued while no worker ran once a new server starts on the same database', async () => {
    const r = await receiver();
    const { site } = await siteWithWebhook(r.url);
    const first = await app(false);
    await escalate(site);
    await first.close();
    expect((await deliveriesOf(site.siteId)).map((d) => d.status)).toEqual(['pending']);
    await app(fast);
    await r.until((list) => list.length === 1);
    await expect.poll(async () => (await deliveriesOf(site.siteId))[0]!.status).toBe('delivered');
  });

  it('should retry a failed delivery after a restart, on the schedule stored in the database', async () => {
    let down = true;
    const r = await receiver(() => (down ? 503 : 200));
    const { site } = await siteWithWebhook(r.url);
    const first = await app({ pollMs: 50, baseDelayMs: 1500 });
    await escalate(site);
    await r.until((list) => list.length === 1);
    await expect.poll(async () => (await deliveriesOf(site.siteId))[0]!.lastStatusCode).toBe(503);
    await first.close();
    down = false;
    await app({ pollMs: 50, baseDelayMs: 1500 });
    await r.until((list) => list.length === 2);
    await expect.poll(async () => (await admin.caller().site.webhookStatus({ siteId: site.siteId })).last).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('should give up after the bounded number of attempts and show it to admins', async () => {
    const r = await receiver(() => 500);
    const { site } = await siteWithWebhook(r.url);
    await app({ ...fast, maxAttempts: 3 });
    await escalate(site);
    await r.until((list) => list.length === 3);
    await expect.poll(async () => (await admin.caller().site.webhookStatus({ siteId: site.siteId })).failed).toBe(1);
    const { last } = await admin.caller().site.webhookStatus({ siteId: site.siteId });
    expect(last).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500 });
    expect(last!.lastError).toContain('gave up after 3 attempts');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(r.received).toHaveLength(3);
  });

  it('should answer the escalation request at once while the receiver is slow, and time the attempts out', async () => {
    let answered = 0;
    const r = await receiver(() => new Promise((resolve) => setTimeout(() => (answered++, resolve(200)), 5000)));
    const { site } = await siteWithWebhook(r.url);
    const server = await app({ ...fast, timeoutMs: 1000, baseDelayMs: 60_000 });
    const base = await server.listen({ port: 0, host: '127.0.0.1' });
    const push = async () => {
      const res = await fetch(`${base}/trpc/signal.push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN },
        body: JSON.stringify({ items: [escalationSignal(conversation())] }),
      });
      expect(res.status).toBe(200);
    };
    await push();
    await r.until((list) => list.length === 1);
    // The receiver now holds an attempt open; a second escalation must not wait for it (ordering, not a timing).
    await push();
    expect(answered).toBe(0);
    // Both deliveries were tried and neither counts as delivered (the receiver answers only after 5 s; attempts end at 1 s).
    await expect.poll(async () => (await deliveriesOf(site.siteId)).filter((d) => d.attempts >= 1 && d.status !== 'delivered').length, { timeout: 15_000 }).toBe(2);
    // …and each attempt was given up after 1 s, long before the receiver would have answered.
    await expect.poll(async () => (await deliveriesOf(site.siteId)).filter((d) => d.lastError?.includes('no answer within 1 s')).length, { timeout: 10_000 }).toBe(2);
  });

  it('should send each delivery once when two workers share the queue', async () => {
    const r = await receiver(() => new Promise((resolve) => setTimeout(() => resolve(200), 20)));
    const { site } = await siteWithWebhook(r.url);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await enqueueWebhook(database.db, site.siteId, 'escalation.created', { i }))!);
    // The second worker has its own connections (a second instance) on PostgreSQL.
    const other = options.kind === 'postgres' ? await openDatabase(options) : database;
    const workers = [startWebhookWorker(database.db, null, { pollMs: 10, concurrency: 4 }), startWebhookWorker(other.db, null, { pollMs: 10, concurrency: 4 })];
    try {
      await r.until((list) => list.length >= 40);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sent = r.received.map((req) => String(req.headers['x-backstop-delivery']));
      expect(sent.sort()).toEqual([...ids].sort());
      expect((await deliveriesOf(site.siteId)).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      if (other !== database) await other.close();
    }
  });

  it('should refuse a webhook URL that is not http(s), with a message naming the rule', async () => {
    const site = await createSite(database.db, { name: 'Refusing shop', origins: [TEST_ORIGIN] });
    const owner = await signedInStaff(inst, 'admin', [site.siteId]);
    for (const url of ['ftp://example.com/hook', 'javascript:alert(1)', 'file:///etc/passwd', 'example.com/hook']) {
      const err = await owner.caller().site.setWebhook({ siteId: site.siteId, url }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(JSON.stringify((err as { cause?: unknown }).cause ?? err)).toMatch(/https:\/\/|absolute URL/);
    }
    expect((await owner.caller().site.webhookStatus({ siteId: site.siteId })).url).toBeNull();
  });

  it('should let only admins of the site set or read the webhook', async () => {
    const r = await receiver();
    const { site } = await siteWithWebhook(r.url);
    await expect(agent.caller().site.setWebhook({ siteId: site.siteId, url: 'https://evil.example.com/' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(agent.caller().site.webhookStatus({ siteId: site.siteId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const stranger = await signedInStaff(inst, 'admin', []);
    await expect(stranger.caller().site.webhookStatus({ siteId: site.siteId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await admin.caller().site.webhookStatus({ siteId: site.siteId })).url).toBe(r.url);
  });

  it('should keep the secret when the URL changes and make a new one only on rotation', async () => {
    const r = await receiver();
    const { site, secret } = await siteWithWebhook(r.url);
    expect(secret).toMatch(/^whsec_/);
    const moved = await admin.caller().site.setWebhook({ siteId: site.siteId, url: 'https://hooks.example.com/backstop' });
    expect(moved.secret).toBeNull();
    const rotated = await admin.caller().site.setWebhook({ siteId: site.siteId, url: 'https://hooks.example.com/backstop', rotateSecret: true });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
  });

  it('should enqueue nothing for a site without a webhook', async () => {
    const site = await createSite(database.db, { name: 'Plain shop', origins: [TEST_ORIGIN] });
    await escalate(site);
    expect(await deliveriesOf(site.siteId)).toHaveLength(0);
  });
});
