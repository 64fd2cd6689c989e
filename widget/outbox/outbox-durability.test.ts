// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBDatabase as FakeIDBDatabase, IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PushOutcome } from '../api/client';
import { createOutbox, type Outbox, type OutboxOptions } from './outbox';
import { openStore } from './store';
import { fakeApi, fakeLocks, feedback, message, ok, setOnline, settle, until, uuid } from './test-utils';

let idb: IDBFactory;
const open: Outbox[] = [];

function make(api: ReturnType<typeof fakeApi>, extra: Partial<OutboxOptions> = {}) {
  const o = createOutbox({ siteKey: 'pk_dur', api, indexedDB: idb, locks: fakeLocks(), ...extra });
  open.push(o);
  return o;
}
/** A server slow enough that two tabs' drains overlap. */
const slowApi = () =>
  fakeApi(async (b) => {
    await settle(3);
    return ok(b);
  });

beforeEach(() => {
  idb = new IDBFactory();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  setOnline(true, false);
});
afterEach(() => {
  for (const o of open.splice(0)) o.dispose();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('outbox: across reloads and tabs', () => {
  it('should send after a reload what the earlier page stored', async () => {
    setOnline(false, false);
    const first = make(fakeApi());
    for (let i = 1; i <= 3; i++) await first.add(message(i));
    first.dispose();
    setOnline(true, false);
    const api = fakeApi();
    await make(api).flush();
    expect(api.sentIds()).toEqual([uuid(1), uuid(2), uuid(3)]);
  });

  it.each([
    ['Web Locks', (): LockManager | null => fakeLocks()],
    ['the IndexedDB lease where Web Locks are missing', (): LockManager | null => null],
  ] as const)('should send each signal once when two tabs drain one store under %s', async (_name, locksFor) => {
    const api = slowApi();
    const locks = locksFor();
    const a = make(api, { locks });
    const b = make(api, { locks });
    for (let i = 0; i < 10; i++) await (i % 2 ? a : b).add(message(i));
    await Promise.all([a.flush(), b.flush(), a.flush(), b.flush()]);
    await vi.advanceTimersByTimeAsync(5000);
    await until(() => a.state.value.pending === 0 && b.state.value.pending === 0);
    await settle();
    expect([...api.sentIds()].sort()).toEqual(Array.from({ length: 10 }, (_, i) => uuid(i)).sort());
  });

  it("should deliver a tab's signals while another tab holds the lock", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const api = fakeApi(async (b, n) => {
      if (n === 1) await gate;
      return ok(b);
    });
    const locks = fakeLocks();
    const holder = make(api, { locks });
    const other = make(api, { locks });
    await holder.add(message(1));
    void holder.flush();
    await until(() => api.calls.length === 1);
    await other.add(message(2));
    await other.flush();
    expect(api.calls).toHaveLength(1);
    release();
    await until(() => holder.state.value.pending === 0);
    expect(api.sentIds()).toEqual([uuid(1), uuid(2)]);
    // The other tab looks again a little later and finds its signal gone.
    await vi.advanceTimersByTimeAsync(2000);
    await until(() => other.state.value.pending === 0);
  });
});

describe('outbox: without IndexedDB', () => {
  it('should keep working in memory when IndexedDB is missing', async () => {
    const api = fakeApi();
    const o = make(api, { indexedDB: undefined });
    await o.add(message(1));
    await o.flush();
    expect(api.sentIds()).toEqual([uuid(1)]);
  });

  it('should keep working in memory when opening IndexedDB throws', async () => {
    const api = fakeApi();
    const broken = {
      open: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    } as unknown as IDBFactory;
    const o = make(api, { indexedDB: broken });
    await o.add(message(1));
    await o.flush();
    expect(api.sentIds()).toEqual([uuid(1)]);
  });

  it('should switch to memory when IndexedDB fails after opening', async () => {
    const api = fakeApi();
    const o = make(api);
    await o.flush();
    vi.spyOn(FakeIDBDatabase.prototype, 'transaction').mockImplementation(() => {
      throw new DOMException('Database deleted by request of the user', 'UnknownError');
    });
    await expect(o.add(message(1))).resolves.toBeUndefined();
    await o.flush();
    expect(api.sentIds()).toEqual([uuid(1)]);
    expect(o.state.value.pending).toBe(0);
  });
});

describe('outbox: IndexedDB failing while a batch is in flight', () => {
  /** A server that holds its first answer until released, acknowledging only `ackFirst` of that batch. */
  function gatedApi(ackFirst: (id: string) => boolean = () => true) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const api = fakeApi(async (b, n) => {
      if (n > 1) return ok(b);
      await gate;
      return { kind: 'ok', results: b.items.filter((s) => ackFirst(s.clientEventId)).map((s) => ({ clientEventId: s.clientEventId, status: 'stored' as const })) };
    });
    return Object.assign(api, { release });
  }
  const breakIndexedDB = () =>
    vi.spyOn(FakeIDBDatabase.prototype, 'transaction').mockImplementation(() => {
      throw new DOMException('Database deleted by request of the user', 'UnknownError');
    });

  it('should not delete a signal stored in memory when the batch read from IndexedDB is acknowledged', async () => {
    const api = gatedApi();
    const o = make(api);
    await o.add(message(1));
    await o.add(message(2));
    void o.flush();
    await until(() => api.calls.length === 1);
    breakIndexedDB();
    await o.add(message(3));
    api.release();
    await vi.advanceTimersByTimeAsync(5000);
    await until(() => api.sentIds().includes(uuid(3)));
    await until(() => o.state.value.pending === 0);
    expect(api.sentIds()).toEqual([uuid(1), uuid(2), uuid(3)]);
  });

  it('should send on the next page load what stayed only in IndexedDB', async () => {
    const api = gatedApi((id) => id === uuid(1));
    const o = make(api);
    await o.add(message(1));
    await o.add(message(2));
    void o.flush();
    await until(() => api.calls.length === 1);
    const broken = breakIndexedDB();
    api.release();
    await settle();
    o.dispose();
    broken.mockRestore();
    const next = fakeApi();
    await make(next).flush();
    // The acknowledged one could not be deleted either: it goes again, and the server knows it as a replay.
    expect(next.sentIds()).toEqual([uuid(1), uuid(2)]);
  });
});

describe('outbox: offline and page life', () => {
  it('should hold signals while offline and say so', async () => {
    setOnline(false);
    const api = fakeApi();
    const o = make(api);
    await o.add(message(1));
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    expect(api.calls).toHaveLength(0);
    expect(o.state.value).toMatchObject({ pending: 1, offline: true, waiting: true });
  });

  it('should stop between batches when the browser goes offline', async () => {
    const api = fakeApi((b) => {
      setOnline(false);
      return ok(b);
    });
    const o = make(api, { debounceMs: 60_000 });
    for (let i = 0; i < 501; i++) await o.add(message(i));
    await o.flush();
    expect(api.calls).toHaveLength(1);
    expect(o.state.value).toMatchObject({ pending: 1, offline: true, waiting: true });
  });

  it('should send as soon as the browser is back online', async () => {
    setOnline(false);
    const api = fakeApi();
    const o = make(api);
    await o.add(message(1));
    setOnline(true);
    await until(() => o.state.value.pending === 0);
    expect(api.sentIds()).toEqual([uuid(1)]);
    expect(o.state.value).toMatchObject({ offline: false, waiting: false });
  });

  it('should skip a scheduled retry when the browser comes back online', async () => {
    const api = fakeApi((b, n): PushOutcome => (n === 1 ? { kind: 'retry', reason: 'network error', retryAfterMs: 60_000 } : ok(b)));
    const o = make(api);
    await o.add(message(1));
    await o.flush();
    setOnline(true);
    await until(() => api.calls.length === 2);
  });

  it('should flush with keepalive when the page is hidden', async () => {
    const api = fakeApi();
    const o = make(api);
    await o.add(message(1));
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    await until(() => api.calls.length === 1);
    expect(api.calls[0]!.keepalive).toBe(true);
  });

  it('should flush with keepalive on pagehide', async () => {
    const api = fakeApi();
    const o = make(api);
    await o.add(message(1));
    window.dispatchEvent(new Event('pagehide'));
    await until(() => api.calls.length === 1);
    expect(api.calls[0]!.keepalive).toBe(true);
  });

  it('should hand unconfirmed signals to a beacon within the pagehide event itself', async () => {
    const beacons: string[][] = [];
    const api = { ...fakeApi(), beacon: vi.fn((b: { items: { clientEventId: string }[] }) => (beacons.push(b.items.map((s) => s.clientEventId)), true)) };
    const o = make(api, { debounceMs: 60_000 });
    void o.add(message(1));
    void o.add(feedback(2, uuid(1)));
    // No await: an unloading page gets no further task, so the beacon must go out synchronously.
    window.dispatchEvent(new Event('pagehide'));
    expect(beacons).toEqual([[uuid(1), uuid(2)]]);
  });

  it('should not beacon signals the server already confirmed', async () => {
    const api = { ...fakeApi(), beacon: vi.fn(() => true) };
    const o = make(api);
    await o.add(message(1));
    await o.flush();
    await until(() => o.state.value.pending === 0);
    window.dispatchEvent(new Event('pagehide'));
    expect(api.beacon).not.toHaveBeenCalled();
  });

  it('should not use keepalive for ordinary sends', async () => {
    const api = fakeApi();
    const o = make(api);
    await o.add(message(1));
    await vi.advanceTimersByTimeAsync(200);
    await until(() => api.calls.length === 1);
    expect(api.calls[0]!.keepalive).toBe(false);
  });

  it('should stop listening and scheduling after dispose', async () => {
    setOnline(false);
    const api = fakeApi();
    const o = make(api);
    await o.add(message(1));
    o.dispose();
    setOnline(true);
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(10_000);
    await settle();
    expect(api.calls).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
