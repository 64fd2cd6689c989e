import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import type { Database } from './db/client';
import { createSite, type CreatedSite } from './domain/sites';
import { agentMessage, conversation, feedbackFor, TEST_ORIGIN } from './test/fixtures';
import { openTestDatabase, testDbKind } from './test/test-db';

// The direct route must answer exactly as tRPC's adapter does: both apps get the same requests.
let database: Database;
let direct: FastifyInstance;
let viaTrpc: FastifyInstance;
let site: CreatedSite;

beforeAll(async () => {
  database = await openTestDatabase();
  direct = await buildApp({ database });
  viaTrpc = await buildApp({ database, signalRoute: 'trpc' });
  site = await createSite(database.db, { name: 'Route test', origins: [TEST_ORIGIN] });
});
afterAll(async () => {
  await direct.close();
  await viaTrpc.close();
  await database.close();
});

interface Req {
  query?: string;
  body: string;
  headers?: Record<string, string | undefined>;
}

const send = (app: FastifyInstance, r: Req) =>
  app.inject({
    method: 'POST',
    url: `/trpc/signal.push${r.query ?? ''}`,
    headers: Object.fromEntries(
      Object.entries({ 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN, ...r.headers }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>,
    payload: r.body,
  });

const HEADERS = ['content-type', 'access-control-allow-origin', 'access-control-expose-headers', 'vary'];
// tRPC's adapter replaces the `Vary: Origin` of an allowed origin with its own values; the direct route keeps both.
const answer = (res: Awaited<ReturnType<typeof send>>) => ({
  status: res.statusCode,
  headers: Object.fromEntries(HEADERS.map((h) => [h, h === 'vary' ? String(res.headers[h]).replace(/^Origin, /, '') : res.headers[h]])),
  body: res.body,
});

const answered = agentMessage(conversation());
const refusals: [string, () => Req][] = [
  ['a batched item with a bad rating', () => ({ query: '?batch=1', body: JSON.stringify({ 0: { items: [{ ...feedbackFor(answered), rating: 5 }] } }) })],
  ['a plain item with a bad rating', () => ({ body: JSON.stringify({ items: [{ ...feedbackFor(answered), rating: 5 }] }) })],
  ['feedback on an unknown message', () => ({ query: '?batch=1', body: JSON.stringify({ 0: { items: [feedbackFor(agentMessage(conversation()))] } }) })],
  ['an unknown site key', () => ({ query: '?batch=1', body: JSON.stringify({ 0: { items: [agentMessage(conversation())] } }), headers: { 'x-backstop-key': 'pk_unknown123' } })],
  ['a missing site key', () => ({ body: JSON.stringify({ items: [agentMessage(conversation())] }), headers: { 'x-backstop-key': undefined } })],
  ['an origin the site does not allow', () => ({ query: '?batch=1', body: JSON.stringify({ 0: { items: [agentMessage(conversation())] } }), headers: { origin: 'https://evil.example' } })],
  ['malformed JSON', () => ({ query: '?batch=1', body: '{"0": {"items": [' })],
  ['a batch without its first input', () => ({ query: '?batch=1', body: JSON.stringify({ 1: { items: [] } }) })],
  ['a batch that is an array', () => ({ query: '?batch=1', body: JSON.stringify([{ items: [] }]) })],
  ['a body that is not JSON content', () => ({ body: 'items', headers: { 'content-type': 'text/plain' } })],
  ['an empty body', () => ({ body: '' })],
];

describe(`direct signal.push route (${testDbKind})`, () => {
  it.each(refusals)('should answer %s exactly as tRPC does', async (_name, request) => {
    const r = request();
    const [a, b] = [answer(await send(direct, r)), answer(await send(viaTrpc, r))];
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a).toEqual(b);
  });

  it.each([
    ['batched', '?batch=1', (input: unknown) => ({ 0: input }), (data: unknown) => [{ result: { data } }]],
    ['plain', '', (input: unknown) => input, (data: unknown) => ({ result: { data } })],
  ] as const)('should store a %s request and answer in the same form and headers as tRPC', async (_name, query, wrap, unwrap) => {
    const m = agentMessage(conversation());
    const items = [m, feedbackFor(m)];
    const res = await send(direct, { query, body: JSON.stringify(wrap({ items })) });
    const replay = await send(viaTrpc, { query, body: JSON.stringify(wrap({ items })) });
    const results = (status: string) => ({ results: items.map((i) => ({ clientEventId: i.clientEventId, status })) });
    expect([res.statusCode, res.json()]).toEqual([200, unwrap(results('stored'))]);
    expect([replay.statusCode, replay.json()]).toEqual([200, unwrap(results('duplicate'))]);
    expect(answer(res).headers).toEqual(answer(replay).headers);
    expect(res.headers.vary).toBe('Origin, trpc-accept, accept');
  });

  it('should hide the details of a server fault as tRPC does', async () => {
    const broken = { ...database, db: new Proxy(database.db, { get: () => () => { throw new Error('secret internals at db.ts:42'); } }) };
    const apps = [await buildApp({ database: broken }), await buildApp({ database: broken, signalRoute: 'trpc' })];
    const r = { query: '?batch=1', body: JSON.stringify({ 0: { items: [agentMessage(conversation())] } }) };
    const [a, b] = [answer(await send(apps[0]!, r)), answer(await send(apps[1]!, r))];
    await Promise.all(apps.map((app) => app.close()));
    expect(a.status).toBe(500);
    expect(a.body).not.toContain('secret internals');
    expect(a).toEqual(b);
  });
});
