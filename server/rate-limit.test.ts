import { randomBytes } from 'node:crypto';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import type { Database } from './db/client';
import { createSite, type CreatedSite } from './domain/sites';
import { conversationIdsOf, type RateLimitOptions } from './rate-limit';
import type { AppRouter } from './routers';
import { agentMessage, conversation, TEST_ORIGIN, userMessage } from './test/fixtures';
import { openTestDatabase, testDbKind } from './test/test-db';
import { jsonBody, protobufBody } from './test/otlp-fixtures';
import { otlpTypes } from './traces/proto';

let database: Database;
let siteA: CreatedSite;
let siteB: CreatedSite;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  siteA = await createSite(database.db, { name: 'Flooded', origins: [TEST_ORIGIN] });
  siteB = await createSite(database.db, { name: 'Bystander', origins: [TEST_ORIGIN] });
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await database.close();
});

const roomy: RateLimitOptions = { perIp: 1000, perSiteClient: 1000, perConversation: 1000 };

async function appWith(limits: Partial<RateLimitOptions>, logger?: object): Promise<FastifyInstance> {
  const app = await buildApp({ database, rateLimit: { ...roomy, ...limits }, ...(logger ? { logger } : {}) });
  apps.push(app);
  return app;
}

type Conv = ReturnType<typeof conversation>;
const push = (app: FastifyInstance, site: CreatedSite, conv: Conv = conversation(), ip = '127.0.0.1') =>
  app.inject({
    method: 'POST',
    url: '/trpc/signal.push',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN },
    payload: JSON.stringify({ items: [userMessage(conv)] }),
  });

describe(`rate limits (${testDbKind})`, () => {
  it('should answer a flood with 429, Retry-After, a tRPC-shaped body and the CORS headers of an allowed origin', async () => {
    const app = await appWith({ perSiteClient: 3 });
    for (let i = 0; i < 3; i++) expect((await push(app, siteA)).statusCode).toBe(200);
    const res = await push(app, siteA);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
    expect(res.headers['access-control-expose-headers']).toBe('retry-after');
    expect(res.json()).toEqual({
      error: { message: expect.stringContaining('Too many requests'), code: -32029, data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } },
    });
  });

  it('should keep serving another site while one site is flooded past its limit', async () => {
    const app = await appWith({ perSiteClient: 5 });
    const flood = await Promise.all(Array.from({ length: 30 }, () => push(app, siteA)));
    expect(flood.filter((r) => r.statusCode === 429).length).toBe(25);
    const other = await Promise.all(Array.from({ length: 5 }, () => push(app, siteB)));
    expect(other.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
  });

  it('should limit the requests of one conversation, not its neighbours', async () => {
    const app = await appWith({ perConversation: 2 });
    const busy = conversation();
    expect((await push(app, siteA, busy)).statusCode).toBe(200);
    expect((await push(app, siteA, busy)).statusCode).toBe(200);
    const third = await push(app, siteA, busy);
    expect(third.statusCode).toBe(429);
    expect(third.json().error.message).toContain('conversation');
    expect((await push(app, siteA, conversation())).statusCode).toBe(200);
  });

  it('should limit every public route per client IP', async () => {
    const app = await appWith({ perIp: 3 });
    const health = (ip: string) => app.inject({ method: 'GET', url: '/healthz', remoteAddress: ip });
    for (let i = 0; i < 3; i++) expect((await health('203.0.113.7')).statusCode).toBe(200);
    expect((await health('203.0.113.7')).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/favicon.ico', remoteAddress: '203.0.113.7' })).statusCode).toBe(429);
    expect((await health('203.0.113.8')).statusCode).toBe(200);
  });

  it('should let the tRPC client read the 429 of a batched call as TOO_MANY_REQUESTS', async () => {
    const app = await appWith({ perSiteClient: 1 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const client = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `http://127.0.0.1:${port}/trpc`, methodOverride: 'POST', headers: { 'x-backstop-key': siteA.publicKey, origin: TEST_ORIGIN } })],
    });
    expect((await client.site.config.query()).name).toBe('Flooded');
    const err = await Promise.all([client.site.config.query(), client.site.config.query()]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
  });

  it('should not limit at all when no limits are given', async () => {
    const app = await buildApp({ database });
    apps.push(app);
    const codes = await Promise.all(Array.from({ length: 30 }, () => app.inject({ method: 'GET', url: '/healthz' }).then((r) => r.statusCode)));
    expect(codes.every((c) => c === 200)).toBe(true);
  });

  it('should let requests through with a logged warning when the Redis store is unreachable', async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => void lines.push(line) };
    const app = await appWith({ perSiteClient: 1, redisUrl: 'redis://127.0.0.1:1' }, { level: 'warn', stream });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await push(app, siteA)).statusCode);
    expect(codes).toEqual([200, 200, 200]);
    expect(lines.join('')).toContain('Rate limit store unreachable');
  });
});

describe(`rate limits on OTLP ingestion (${testDbKind})`, () => {
  const exportTo = (app: FastifyInstance, encoding: 'json' | 'protobuf', ip = '127.0.0.1', key = siteA.ingestKey) =>
    app.inject({
      method: 'POST',
      url: '/v1/traces',
      remoteAddress: ip,
      headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf', authorization: `Bearer ${key}` },
      payload: encoding === 'json' ? JSON.stringify(jsonBody([{}])) : protobufBody([{}]),
    });

  it('should answer a protobuf export past the limit with a protobuf google.rpc.Status and Retry-After', async () => {
    const app = await appWith({ perIp: 1 });
    expect((await exportTo(app, 'protobuf')).statusCode).toBe(200);
    const res = await exportTo(app, 'protobuf');
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const status = otlpTypes().status.toObject(otlpTypes().status.decode(res.rawPayload));
    expect(status).toMatchObject({ code: 8, message: expect.stringContaining('Too many requests') });
  });

  it('should answer a JSON export past the limit with a JSON google.rpc.Status, not a tRPC error', async () => {
    const app = await appWith({ perIp: 1 });
    expect((await exportTo(app, 'json')).statusCode).toBe(200);
    const res = await exportTo(app, 'json');
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.json()).toEqual({ code: 8, message: expect.stringContaining('Too many requests') });
  });

  it('should limit one ingest key across addresses, and not another key', async () => {
    const app = await appWith({ perIngestKey: 2 });
    expect((await exportTo(app, 'protobuf', '10.0.0.1')).statusCode).toBe(200);
    expect((await exportTo(app, 'json', '10.0.0.2')).statusCode).toBe(200);
    const res = await exportTo(app, 'protobuf', '10.0.0.3');
    expect(res.statusCode).toBe(429);
    expect(otlpTypes().status.decode(res.rawPayload)).toMatchObject({ code: 8, message: expect.stringContaining('ingest key') });
    expect((await exportTo(app, 'protobuf', '10.0.0.3', siteB.ingestKey)).statusCode).toBe(200);
  });
});

describe(`rate limits shared through Redis (${testDbKind})`, () => {
  const url = process.env.RATE_LIMIT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let reachable = false;
  beforeAll(async () => {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
    probe.on('error', () => {});
    reachable = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
    probe.disconnect();
  });

  it('should share the count between two instances', async () => {
    // A Redis runs beside PostgreSQL on every machine this suite runs on; without one the test must say so, not pass.
    expect(reachable, `No Redis answers at ${url}: start one (redis-server) or point RATE_LIMIT_TEST_REDIS_URL at one.`).toBe(true);
    // A generous command timeout: on a busy machine a slow answer would count as Redis down and let a request pass.
    const shared = { perSiteClient: 4, redisUrl: url, namespace: `bs-test-${randomBytes(4).toString('hex')}:`, redisCommandTimeoutMs: 5000 };
    const one = await appWith(shared);
    const two = await appWith(shared);
    const codes: number[] = [];
    for (const app of [one, two, one, two, one, two]) codes.push((await push(app, siteA)).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

describe('conversationIdsOf', () => {
  it('should find each distinct conversation of a raw tRPC batch body once', () => {
    const a = conversation();
    const b = conversation();
    const body = JSON.stringify({ 0: { items: [userMessage(a), agentMessage(a), userMessage(b)] } });
    expect(conversationIdsOf(body).sort()).toEqual([a.conversationId, b.conversationId].sort());
  });

  it('should find the conversations of an already parsed body', () => {
    const a = conversation();
    expect(conversationIdsOf({ items: [userMessage(a)] })).toEqual([a.conversationId]);
  });
});
