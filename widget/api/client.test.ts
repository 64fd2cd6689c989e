import { initTRPC, TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Signal, SignalBatch } from '../../shared/schemas';
import { createApi, parseRetryAfter, RETRY_AFTER_MAX_MS, RETRY_AFTER_MIN_MS } from './client';

// A real tRPC v11 server answering through its fetch adapter, so requests and responses have the exact
// shape httpBatchLink produces and expects. Its error formatter adds a flat `fields` map like ours.
type Behaviour = (input: SignalBatch) => unknown;
let behaviour: Behaviour = (input) => ({ results: input.items.map((i) => ({ clientEventId: i.clientEventId, status: 'stored' })) });
let extraHeaders: Record<string, string> = {};

const t = initTRPC.create({
  isDev: false,
  errorFormatter: ({ shape, error }) => {
    const fields = (error.cause as unknown as { fields?: Record<string, string> } | undefined)?.fields;
    return { ...shape, data: { ...shape.data, ...(fields ? { fields } : {}) } };
  },
});
const router = t.router({
  site: t.router({ config: t.procedure.query(() => ({ siteId: 's1', name: 'Demo', policy: { thresholds: { high: 0.8, low: 0.5 }, title: 'Help', greeting: 'Hi' } })) }),
  signal: t.router({ push: t.procedure.input((v) => v as SignalBatch).mutation(({ input }) => behaviour(input)) }),
});

interface Call {
  url: string;
  init: RequestInit;
}
function server() {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const res = await fetchRequestHandler({
      endpoint: '/trpc',
      allowMethodOverride: true,
      req: new Request(String(url), { method: init?.method, headers: init?.headers, body: init?.body }),
      router,
      createContext: ({ resHeaders }) => {
        for (const [k, v] of Object.entries(extraHeaders)) resHeaders.set(k, v);
        return {};
      },
    });
    return res;
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

const signal = (i: number, text = 'hello'): Signal => ({
  kind: 'message',
  role: 'user',
  text,
  clientEventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  conversationId: '11111111-1111-4111-8111-111111111111',
  conversationToken: 'tok_0123456789abcdef',
  createdAt: '2025-01-01T00:00:00.000Z',
});
const batch = (...items: Signal[]): SignalBatch => ({ items });

afterEach(() => {
  behaviour = (input) => ({ results: input.items.map((i) => ({ clientEventId: i.clientEventId, status: 'stored' })) });
  extraHeaders = {};
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('createApi', () => {
  it('should send a beacon as a keepalive request that the tRPC server accepts', async () => {
    const { calls, fetch } = server();
    let stored: string[] = [];
    behaviour = (input) => ((stored = input.items.map((i) => i.clientEventId)), { results: [] });
    const api = createApi({ apiUrl: 'https://api.example.com', siteKey: 'pk_test_12345678', fetch });
    expect(api.beacon!(batch(signal(1), signal(2)))).toBe(true);
    expect(calls[0]!.init.keepalive).toBe(true);
    await vi.waitFor(() => expect(stored).toEqual([signal(1).clientEventId, signal(2).clientEventId]));
  });

  it('should refuse a beacon too large for a keepalive request', () => {
    const { fetch } = server();
    const api = createApi({ apiUrl: 'https://api.example.com', siteKey: 'pk_test_12345678', fetch });
    expect(api.beacon!(batch(...Array.from({ length: 10 }, (_, i) => signal(i, 'x'.repeat(7000)))))).toBe(false);
  });

  it('should post a batch to /trpc/signal.push with the site key and return the results', async () => {
    const { calls, fetch } = server();
    const api = createApi({ apiUrl: 'https://api.example.com/', siteKey: 'pk_test_12345678', fetch });
    const out = await api.pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'ok', results: [{ clientEventId: signal(1).clientEventId, status: 'stored' }] });
    expect(calls[0]!.url).toBe('https://api.example.com/trpc/signal.push?batch=1');
    expect(calls[0]!.init.method).toBe('POST');
    expect((calls[0]!.init.headers as Record<string, string>)['x-backstop-key']).toBe('pk_test_12345678');
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ 0: batch(signal(1)) });
  });

  it('should fetch site.config with a POST (so browsers send Origin) carrying the site key', async () => {
    const { calls, fetch } = server();
    const api = createApi({ apiUrl: 'https://api.example.com', siteKey: 'pk_test_12345678', fetch });
    expect((await api.siteConfig()).name).toBe('Demo');
    expect(calls[0]!.init.method).toBe('POST');
    expect((calls[0]!.init.headers as Record<string, string>)['x-backstop-key']).toBe('pk_test_12345678');
  });

  it('should send with keepalive when asked and the body is small', async () => {
    const { calls, fetch } = server();
    await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: true });
    expect(calls[0]!.init.keepalive).toBe(true);
  });

  it('should not use keepalive for a body of 60 KiB or more', async () => {
    const { calls, fetch } = server();
    const big = Array.from({ length: 5 }, (_, i) => signal(i, 'x'.repeat(13_000)));
    await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(...big), { keepalive: true });
    expect(calls[0]!.init.keepalive).toBe(false);
  });

  it('should not use keepalive when not asked', async () => {
    const { calls, fetch } = server();
    await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(calls[0]!.init.keepalive).toBe(false);
  });

  it('should ask for a retry on a network error', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof globalThis.fetch;
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'retry', reason: 'Failed to fetch', retryAfterMs: undefined });
  });

  it('should ask for a retry after Retry-After seconds on a tRPC 503', async () => {
    const { fetch } = server();
    extraHeaders = { 'retry-after': '7' };
    behaviour = () => {
      throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'down for maintenance' });
    };
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'retry', retryAfterMs: 7000, reason: 'HTTP 503' });
  });

  it("should ask for a retry after Retry-After on a rate limiter's 429 that is not tRPC-shaped", async () => {
    const fetch = vi.fn(
      async () =>
        new Response(JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded' }), {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '30' },
        }),
    ) as unknown as typeof globalThis.fetch;
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'retry', retryAfterMs: 30_000, reason: 'HTTP 429' });
  });

  it('should ask for a retry without a delay on a 500', async () => {
    const { fetch } = server();
    behaviour = () => {
      throw new Error('db down');
    };
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'retry', retryAfterMs: undefined, reason: 'HTTP 500' });
  });

  it('should report a 400 as rejected with the fields naming the bad items', async () => {
    const { fetch } = server();
    behaviour = () => {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid signal', cause: Object.assign(new Error('x'), { fields: { 'items.1.rating': 'must be 1 or -1' } }) });
    };
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1), signal(2)), { keepalive: false });
    expect(out).toEqual({ kind: 'rejected', status: 400, message: 'Invalid signal', fields: { 'items.1.rating': 'must be 1 or -1' } });
  });

  it('should report a 409 conflict as rejected with its message', async () => {
    const { fetch } = server();
    behaviour = () => {
      throw new TRPCError({ code: 'CONFLICT', message: 'Conversation token does not match' });
    };
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'rejected', status: 409, message: 'Conversation token does not match' });
  });

  it("should report a proxy's HTML 413 as rejected without fields", async () => {
    const fetch = vi.fn(async () => new Response('<html>413 Request Entity Too Large</html>', { status: 413 })) as unknown as typeof globalThis.fetch;
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'rejected', status: 413, message: 'HTTP 413' });
  });

  it('should report a readable 403 as rejected', async () => {
    const { fetch } = server();
    behaviour = () => {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Origin https://evil.example is not allowed for this site.' });
    };
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toMatchObject({ kind: 'rejected', status: 403 });
  });

  it('should keep the status of each push to itself when pushes overlap', async () => {
    const { fetch } = server();
    let n = 0;
    behaviour = (input) => {
      if (n++ === 0) throw new TRPCError({ code: 'CONFLICT', message: 'no' });
      return { results: input.items.map((i) => ({ clientEventId: i.clientEventId, status: 'stored' })) };
    };
    const api = createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch });
    const [a, b] = await Promise.all([api.pushSignals(batch(signal(1)), { keepalive: false }), api.pushSignals(batch(signal(2)), { keepalive: false })]);
    expect(a.kind).toBe('rejected');
    expect(b.kind).toBe('ok');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('should reject site.config with the server message of a tRPC error', async () => {
    const fetch = vi.fn(
      async () =>
        new Response(JSON.stringify([{ error: { message: 'Unknown site key', code: -32001, data: { code: 'UNAUTHORIZED', httpStatus: 401 } } }]), {
          status: 401,
          headers: { 'content-type': 'application/json' },
        }),
    ) as unknown as typeof globalThis.fetch;
    await expect(createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).siteConfig()).rejects.toThrow('Unknown site key');
  });

  it("should reject site.config with the status when the body is not tRPC's", async () => {
    const fetch = vi.fn(async () => new Response('<html>Bad gateway</html>', { status: 502 })) as unknown as typeof globalThis.fetch;
    await expect(createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).siteConfig()).rejects.toThrow('HTTP 502');
  });

  it.each([
    ['not JSON', 'ok'],
    ['no result', '[{}]'],
    ['a result without results', '[{"result":{"data":{}}}]'],
    ['an error without a numeric code', '[{"error":{"message":"x"}}]'],
  ])('should ask for a retry on a 200 whose body holds %s', async (_, body) => {
    const fetch = vi.fn(async () => new Response(body, { status: 200 })) as unknown as typeof globalThis.fetch;
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'retry', retryAfterMs: undefined, reason: 'HTTP 200' });
  });

  it("should report a network error's message when the error comes from another realm (the clean fetch's iframe)", async () => {
    const ForeignTypeError = runInNewContext('TypeError') as TypeErrorConstructor;
    const fetch = vi.fn(async () => {
      throw new ForeignTypeError('Failed to fetch');
    }) as unknown as typeof globalThis.fetch;
    const out = await createApi({ apiUrl: 'https://a.example', siteKey: 'pk_k', fetch }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(out).toEqual({ kind: 'retry', reason: 'Failed to fetch', retryAfterMs: undefined });
  });

  it('should use the fetch the page had when the bundle loaded, not a later patch', async () => {
    const original = server();
    vi.resetModules();
    vi.stubGlobal('fetch', original.fetch);
    const { createApi: fresh } = await import('./client');
    const patched = vi.fn();
    vi.stubGlobal('fetch', patched);
    await fresh({ apiUrl: 'https://a.example', siteKey: 'pk_k' }).pushSignals(batch(signal(1)), { keepalive: false });
    expect(original.calls).toHaveLength(1);
    expect(patched).not.toHaveBeenCalled();
  });
});

describe('parseRetryAfter', () => {
  it('should read an HTTP date as the time left until it', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60_000);
  });

  it('should ignore a value that is neither seconds nor a date', () => {
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['0', RETRY_AFTER_MIN_MS],
    ['7', 7000],
    [' 7 ', 7000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', RETRY_AFTER_MIN_MS],
    ['99999999999', RETRY_AFTER_MAX_MS],
    ['9'.repeat(400), RETRY_AFTER_MAX_MS],
  ])('should keep %j within the allowed range (%i ms)', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it.each(['', '   ', '-5', '-1', '1.5', '1e3', 'NaN', 'Infinity'])('should ignore %j, leaving the wait to the backoff', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });

  it('should never ask for a wait a timer cannot hold', () => {
    expect(RETRY_AFTER_MAX_MS).toBeLessThan(2 ** 31 - 1);
  });
});
