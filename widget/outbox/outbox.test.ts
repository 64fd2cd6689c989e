// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_BATCH_BYTES, MAX_BATCH_ITEMS } from '../../shared/limits';
import { createApi } from '../api/client';
import { createOutbox, type Outbox, type OutboxOptions } from './outbox';
import { openStore } from './store';
import { fakeApi, fakeLocks, feedback, message, ok, setOnline, settle, until, uuid } from './test-utils';

const NAME = 'backstop-outbox:pk_test';
let idb: IDBFactory;
const open: Outbox[] = [];

async function make(api: ReturnType<typeof fakeApi>, extra: Partial<OutboxOptions> = {}) {
  const o = createOutbox({ siteKey: 'pk_test', api, indexedDB: idb, locks: fakeLocks(), random: () => 0.5, ...extra });
  open.push(o);
  await o.flush();
  return o;
}
/** Fires the debounce and waits for the sends it causes. */
async function send(api: ReturnType<typeof fakeApi>, calls: number) {
  await vi.advanceTimersByTimeAsync(200);
  await until(() => api.calls.length >= calls);
  await settle();
}

beforeEach(() => {
  idb = new IDBFactory();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  setOnline(true, false);
});
afterEach(() => {
  for (const o of open.splice(0)) o.dispose();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('outbox: storing and sending', () => {
  it('should store a signal before the first send attempt', async () => {
    const api = fakeApi();
    const o = await make(api);
    await o.add(message(1));
    expect(api.calls).toHaveLength(0);
    expect((await openStore(NAME, idb).list()).map((r) => r.s.clientEventId)).toEqual([uuid(1)]);
  });

  it('should send signals added in a burst as one batch, in insertion order', async () => {
    const api = fakeApi();
    const o = await make(api);
    for (const s of [message(1), message(2, 'agent'), feedback(3, uuid(2)), message(4)]) await o.add(s);
    await send(api, 1);
    expect(api.calls).toHaveLength(1);
    expect(api.sentIds()).toEqual([uuid(1), uuid(2), uuid(3), uuid(4)]);
  });

  it(`should send at most ${MAX_BATCH_ITEMS} signals per batch, oldest first`, async () => {
    const api = fakeApi();
    const o = await make(api, { debounceMs: 10_000 });
    for (let i = 0; i < 600; i++) await o.add(message(i));
    await o.flush();
    expect(api.calls.map((c) => c.batch.items.length)).toEqual([500, 100]);
    expect(api.sentIds()).toEqual(Array.from({ length: 600 }, (_, i) => uuid(i)));
  });

  it('should keep each batch under the byte limit', async () => {
    const api = fakeApi();
    const o = await make(api);
    for (let i = 0; i < 40; i++) await o.add(message(i, 'user', 'x'.repeat(7000)));
    await send(api, 2);
    expect(api.calls).toHaveLength(2);
    for (const c of api.calls) expect(JSON.stringify({ 0: c.batch }).length).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(api.sentIds()).toEqual(Array.from({ length: 40 }, (_, i) => uuid(i)));
  });

  it('should delete items the server acknowledged, replays included', async () => {
    const api = fakeApi((b) => ({ kind: 'ok', results: b.items.map((s) => ({ clientEventId: s.clientEventId, status: 'duplicate' })) }));
    const o = await make(api);
    await o.add(message(1));
    await send(api, 1);
    expect(await openStore(NAME, idb).count()).toBe(0);
    expect(o.state.value.pending).toBe(0);
  });

  it('should keep items the server did not acknowledge and send them again', async () => {
    const api = fakeApi((b, n) => (n === 1 ? { kind: 'ok', results: [{ clientEventId: b.items[0]!.clientEventId, status: 'stored' }] } : ok(b)));
    const o = await make(api);
    await o.add(message(1));
    await o.add(message(2));
    await send(api, 2);
    expect(api.calls.map((c) => c.batch.items.map((s) => s.clientEventId))).toEqual([[uuid(1), uuid(2)], [uuid(2)]]);
    expect(o.state.value.pending).toBe(0);
  });

  it('should send a signal added twice only once and clear both copies', async () => {
    const api = fakeApi();
    const o = await make(api);
    await o.add(message(1));
    await o.add(message(1));
    await send(api, 1);
    expect(api.sentIds()).toEqual([uuid(1)]);
    expect(o.state.value.pending).toBe(0);
  });

  it('should count stored signals as pending until they are acknowledged', async () => {
    const api = fakeApi();
    const o = await make(api);
    await o.add(message(1));
    await o.add(message(2));
    expect(o.state.value.pending).toBe(2);
    await send(api, 1);
    expect(o.state.value.pending).toBe(0);
  });
});

describe('outbox: retries', () => {
  it('should retry a failed send after a jittered delay of about a second or more', async () => {
    // random 0.5: 1000 + 0.5 × (3000 − 1000) = 2000 ms
    const api = fakeApi((b, n) => (n === 1 ? { kind: 'retry', reason: 'network error' } : ok(b)));
    const o = await make(api);
    await o.add(message(1));
    await send(api, 1);
    await vi.advanceTimersByTimeAsync(1999);
    await settle();
    expect(api.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => api.calls.length === 2);
    await until(() => o.state.value.pending === 0);
  });

  it('should back off exponentially up to five minutes between tries', async () => {
    const api = fakeApi(() => ({ kind: 'retry', reason: 'HTTP 503' }));
    const o = await make(api, { random: () => 1 });
    await o.add(message(1));
    await send(api, 1);
    for (let n = 2; n <= 8; n++) {
      await vi.advanceTimersToNextTimerAsync();
      await until(() => api.calls.length === n);
      await settle();
    }
    const gaps = api.calls.slice(1).map((c, i) => c.at - api.calls[i]!.at);
    expect(gaps).toEqual([3000, 9000, 27000, 81000, 243000, 300000, 300000]);
  });

  it('should wait as long as Retry-After says', async () => {
    const api = fakeApi((b, n) => (n === 1 ? { kind: 'retry', reason: 'HTTP 429', retryAfterMs: 30_000 } : ok(b)));
    const o = await make(api);
    await o.add(message(1));
    await send(api, 1);
    await vi.advanceTimersByTimeAsync(29_999);
    await settle();
    expect(api.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => api.calls.length === 2);
  });

  it('should hold new signals until the scheduled retry', async () => {
    const api = fakeApi((b, n) => (n === 1 ? { kind: 'retry', reason: 'HTTP 503', retryAfterMs: 10_000 } : ok(b)));
    const o = await make(api);
    await o.add(message(1));
    await send(api, 1);
    await o.add(message(2));
    await vi.advanceTimersByTimeAsync(5000);
    await settle();
    expect(api.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    await until(() => api.calls.length === 2);
    expect(api.calls[1]!.batch.items.map((s) => s.clientEventId)).toEqual([uuid(1), uuid(2)]);
  });

  it('should say it is waiting after a failure and stop once delivered', async () => {
    const api = fakeApi((b, n) => (n === 1 ? { kind: 'retry', reason: 'HTTP 500' } : ok(b)));
    const o = await make(api);
    await o.add(message(1));
    await send(api, 1);
    expect(o.state.value).toMatchObject({ pending: 1, waiting: true });
    await vi.advanceTimersByTimeAsync(2000);
    await until(() => o.state.value.pending === 0);
    expect(o.state.value.waiting).toBe(false);
  });

  it('should treat a transport that throws as a failure to retry, not an error for the page', async () => {
    const api = fakeApi(() => {
      throw new Error('boom');
    });
    const o = await make(api);
    await expect(o.add(message(1))).resolves.toBeUndefined();
    await send(api, 1);
    expect(o.state.value.waiting).toBe(true);
  });
});

describe('outbox: a bad Retry-After', () => {
  it.each(['0', '', '-5', 'soon', 'Wed, 01 Jan 2020 00:00:00 GMT', '99999999999'])(
    'should not retry in a tight loop when a 503 says Retry-After: %j',
    async (header) => {
      const fetch = vi.fn(
        async () => new Response('<html>Service Unavailable</html>', { status: 503, headers: { 'retry-after': header } }),
      ) as unknown as typeof globalThis.fetch;
      const api = createApi({ apiUrl: 'https://api.example.com', siteKey: 'pk_test', fetch });
      const o = await make(api as unknown as ReturnType<typeof fakeApi>);
      await o.add(message(1));
      await o.add(message(2));
      for (let t = 0; t < 10 * 60_000; t += 1000) {
        await vi.advanceTimersByTimeAsync(1000);
        await settle(10);
      }
      // Ten minutes of backoff that starts at a second and about triples: a batch and a suspect per round,
      // some fifteen tries at most; a loop would make thousands.
      expect(vi.mocked(fetch).mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(vi.mocked(fetch).mock.calls.length).toBeLessThanOrEqual(20);
      expect(o.state.value.pending).toBe(2);
    },
  );
});

describe('outbox: refusals', () => {
  it('should set aside the items the server names and send the rest at once', async () => {
    const api = fakeApi((b, n) =>
      n === 1 ? { kind: 'rejected', status: 400, message: 'Invalid input', fields: { 'items.1.rating': 'must be 1 or -1' } } : ok(b),
    );
    const o = await make(api);
    for (const s of [message(1), feedback(2, uuid(1)), message(3)]) await o.add(s);
    await send(api, 2);
    expect(api.calls[1]!.batch.items.map((s) => s.clientEventId)).toEqual([uuid(1), uuid(3)]);
    expect(o.state.value.rejected).toEqual([{ message: 'Refused by the server (400): rating: must be 1 or -1', clientEventIds: [uuid(2)] }]);
    expect((await openStore(NAME, idb).dead()).map((d) => d.s.clientEventId)).toEqual([uuid(2)]);
  });

  it('should set aside a single item refused without naming it', async () => {
    const api = fakeApi(() => ({ kind: 'rejected', status: 409, message: 'Conversation token does not match' }));
    const o = await make(api);
    await o.add(message(1));
    await send(api, 1);
    await settle();
    expect(api.calls).toHaveLength(1);
    expect(o.state.value).toMatchObject({ pending: 0, rejected: [{ message: 'Refused by the server (409): Conversation token does not match', clientEventIds: [uuid(1)] }] });
  });

  it('should split a batch that is too large in halves and send both', async () => {
    const api = fakeApi((b) => (b.items.length > 2 ? { kind: 'rejected', status: 413, message: 'Too large' } : ok(b)));
    const o = await make(api);
    for (let i = 1; i <= 4; i++) await o.add(message(i));
    await send(api, 3);
    expect(api.calls.map((c) => c.batch.items.length)).toEqual([4, 2, 2]);
    expect(api.sentIds().slice(4)).toEqual([uuid(1), uuid(2), uuid(3), uuid(4)]);
    expect(o.state.value.rejected).toEqual([]);
  });

  it('should bisect a batch refused without names until the bad item is alone', async () => {
    const api = fakeApi((b) => (b.items.some((s) => s.clientEventId === uuid(3)) ? { kind: 'rejected', status: 400, message: 'Invalid input' } : ok(b)));
    const o = await make(api);
    for (let i = 1; i <= 4; i++) await o.add(message(i));
    await send(api, 5);
    await until(() => o.state.value.pending === 0);
    expect(o.state.value.rejected.flatMap((r) => r.clientEventIds)).toEqual([uuid(3)]);
    expect(api.calls.at(-1)!.batch.items.map((s) => s.clientEventId)).toEqual([uuid(4)]);
  });

  it('should set aside the whole batch at once when the site itself is refused', async () => {
    const api = fakeApi(() => ({ kind: 'rejected', status: 403, message: 'Origin https://x.example is not allowed for this site.' }));
    const o = await make(api);
    for (let i = 1; i <= 3; i++) await o.add(message(i));
    await send(api, 1);
    await until(() => o.state.value.pending === 0);
    expect(api.calls).toHaveLength(1);
    expect(o.state.value.rejected[0]!.clientEventIds).toEqual([uuid(1), uuid(2), uuid(3)]);
  });

  it('should refuse a signal over 16 KiB without sending it', async () => {
    const api = fakeApi();
    const o = await make(api);
    await o.add(message(1, 'user', 'x'.repeat(17_000)));
    await vi.advanceTimersByTimeAsync(200);
    await settle();
    expect(api.calls).toHaveLength(0);
    expect(o.state.value.rejected[0]!.message).toMatch(/^Too large to send/);
  });
});
