import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import type { Database } from './db/client';
import { createSite, type CreatedSite } from './domain/sites';
import { agentMessage, conversation, feedbackFor, TEST_ORIGIN } from './test/fixtures';
import { openTestDatabase, testDbKind } from './test/test-db';

let database: Database;
let app: FastifyInstance;
let site: CreatedSite;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database });
  site = await createSite(database.db, { name: 'HTTP test', origins: [TEST_ORIGIN] });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const push = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/trpc/signal.push',
    headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN, ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe(`HTTP API (${testDbKind})`, () => {
  it('should store a batch and answer with CORS headers for an allowed origin', async () => {
    const m = agentMessage(conversation());
    const res = await push({ items: [m, feedbackFor(m)] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
    expect(res.headers['access-control-expose-headers']).toBe('retry-after');
    expect(res.json().result.data.results).toHaveLength(2);
  });

  it('should refuse a disallowed origin with 403 and no CORS headers', async () => {
    const res = await push({ items: [agentMessage(conversation())] }, { origin: 'https://evil.example' });
    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('should refuse a preflight from an origin no site allows', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/trpc/signal.push', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('should answer a preflight from an allowed origin with the widget headers', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/trpc/signal.push', headers: { origin: TEST_ORIGIN, 'access-control-request-method': 'POST' } });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-headers']).toContain('x-backstop-key');
  });

  it('should return validation errors as a flat field map with BAD_REQUEST and no stack', async () => {
    const m = agentMessage(conversation());
    const res = await push({ items: [m, { ...feedbackFor(m), rating: 5 }] });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.data.code).toBe('BAD_REQUEST');
    expect(error.data.fields).toEqual({ 'items.1.rating': expect.any(String) });
    expect(JSON.stringify(error)).not.toMatch(/stack|at .*\.ts:\d+/);
  });

  it('should answer a batch of queries whose joined procedure names pass 100 characters (a console page loads several at once)', async () => {
    const paths = ['topic.list', 'topic.undefinedSeen', 'topic.settings', 'ingestKey.list', 'identity.settings', 'audit.list', 'badges.get', 'readiness.get'];
    const input = encodeURIComponent(JSON.stringify(Object.fromEntries(paths.map((_, i) => [i, { siteId: '00000000-0000-4000-8000-000000000000' }]))));
    const res = await app.inject({ method: 'GET', url: `/trpc/${paths.join(',')}?batch=1&input=${input}` });
    expect(paths.join(',').length).toBeGreaterThan(100);
    // Not signed in: every call is refused by the procedures themselves, never by the router with 414.
    expect(res.statusCode).toBe(401);
    expect((res.json() as unknown[]).length).toBe(paths.length);
  });

  it('should refuse a body over the 256 KiB batch limit with 413 naming the limit', async () => {
    const c = conversation();
    const items = Array.from({ length: 40 }, () => ({ ...agentMessage(c), text: 'x'.repeat(7900) }));
    const res = await push({ items });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toContain('256 KiB');
  });

  it('should hide the details of a server fault', async () => {
    const broken = await buildApp({ database: { ...database, db: new Proxy(database.db, { get: () => () => { throw new Error('secret internals at db.ts:42'); } }) } });
    const res = await broken.inject({ method: 'GET', url: '/trpc/site.config', headers: { 'x-backstop-key': site.publicKey } });
    await broken.close();
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret internals');
    expect(res.json().error.message).toContain('Internal server error');
  });

  it('should report health with the database kind', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.json()).toEqual({ ok: true, database: testDbKind });
  });
});
