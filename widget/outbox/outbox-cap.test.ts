// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Signal } from '../../shared/schemas';
import { createOutbox, MAX_AGE_MS, MAX_ITEMS, type Outbox } from './outbox';
import { openStore } from './store';
import { fakeApi, fakeLocks, feedback, message, setOnline, uuid } from './test-utils';

const NAME = 'backstop-outbox:pk_cap';
const NOW = Date.parse('2025-06-01T12:00:00Z');
let idb: IDBFactory;
const open: Outbox[] = [];

function make(api: ReturnType<typeof fakeApi>) {
  const o = createOutbox({ siteKey: 'pk_cap', api, indexedDB: idb, locks: fakeLocks(), now: () => NOW });
  open.push(o);
  return o;
}
/** Fills the store as an earlier page would have: `kindAt(i)` says what the i-th oldest signal is. */
async function fill(count: number, kindAt: (i: number) => Signal, at = NOW) {
  const store = openStore(NAME, idb);
  for (let i = 0; i < count; i++) await store.put({ s: kindAt(i), at, n: 200 });
}
const storedIds = async () => (await openStore(NAME, idb).list()).map((r) => r.s.clientEventId);

beforeEach(() => {
  idb = new IDBFactory();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  setOnline(false, false);
});
afterEach(() => {
  for (const o of open.splice(0)) o.dispose();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe(`outbox: cap of ${MAX_ITEMS} signals`, () => {
  it('should drop the oldest feedback first when full', async () => {
    await fill(MAX_ITEMS, (i) => (i === 10 || i === 20 ? feedback(i) : message(i)));
    await make(fakeApi()).add(message(5000));
    const ids = await storedIds();
    expect(ids).toHaveLength(MAX_ITEMS);
    expect(ids).not.toContain(uuid(10));
    expect(ids).toContain(uuid(20));
    expect(ids.at(-1)).toBe(uuid(5000));
  });

  it('should never drop a user message, even past the cap', async () => {
    await fill(MAX_ITEMS, (i) => message(i));
    await make(fakeApi()).add(message(5000));
    const ids = await storedIds();
    expect(ids).toHaveLength(MAX_ITEMS + 1);
    expect(ids.slice(0, 3)).toEqual([uuid(0), uuid(1), uuid(2)]);
  });

  it('should drop new feedback when only messages are stored', async () => {
    await fill(MAX_ITEMS, (i) => message(i));
    await make(fakeApi()).add(feedback(5000));
    const ids = await storedIds();
    expect(ids).toHaveLength(MAX_ITEMS);
    expect(ids).not.toContain(uuid(5000));
  });

  it('should report the dropped feedback with the next successful batch, once', async () => {
    await fill(MAX_ITEMS, (i) => (i === 0 ? feedback(i) : message(i)));
    const api = fakeApi();
    const o = make(api);
    await o.add(message(5000));
    setOnline(true);
    await o.flush();
    expect(api.calls.map((c) => c.batch.dropped)).toEqual([{ feedback: 1, reportId: expect.any(String) }, undefined]);
  });

  it('should remember dropped feedback across a reload until it is reported', async () => {
    await fill(MAX_ITEMS, (i) => (i === 0 ? feedback(i) : message(i)));
    const first = make(fakeApi());
    await first.add(message(5000));
    first.dispose();
    setOnline(true, false);
    const api = fakeApi();
    const second = make(api);
    await second.flush();
    expect(api.calls[0]!.batch.dropped).toEqual({ feedback: 1, reportId: expect.any(String) });
  });
});

describe('outbox: dropped feedback reports', () => {
  /** One expired feedback (counted as dropped) and two messages to carry the report. */
  const dropOne = async (i: number) => {
    await fill(1, () => feedback(i), NOW - MAX_AGE_MS - 1);
    await fill(2, (k) => message(i + 1 + k));
  };
  const lostOnce = () => fakeApi((b, n) => (n === 1 ? { kind: 'retry', reason: 'Failed to fetch' } : { kind: 'ok', results: b.items.map((s) => ({ clientEventId: s.clientEventId, status: 'stored' as const })) }));

  it('should send the same report id again when the answer to its batch is lost', async () => {
    await dropOne(1);
    setOnline(true, false);
    const api = lostOnce();
    const o = make(api);
    await o.flush();
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.waitFor(() => expect(api.calls.length).toBeGreaterThanOrEqual(2));
    expect(api.calls[1]!.batch.dropped).toEqual(api.calls[0]!.batch.dropped);
    expect(api.calls[2]?.batch.dropped).toBeUndefined();
  });

  it('should keep the report id across a reload until the report is acknowledged', async () => {
    await dropOne(1);
    setOnline(true, false);
    const first = fakeApi(() => ({ kind: 'retry', reason: 'Failed to fetch' }));
    await make(first).flush();
    open.pop()!.dispose();
    const second = fakeApi();
    await make(second).flush();
    expect(second.calls[0]!.batch.dropped).toEqual(first.calls[0]!.batch.dropped);
  });

  it('should use a new report id for drops made after a report is acknowledged', async () => {
    await dropOne(1);
    setOnline(true, false);
    const api = fakeApi();
    const o = make(api);
    await o.flush();
    await dropOne(4);
    await o.flush();
    const [a, b] = api.calls.map((c) => c.batch.dropped);
    expect(b).toEqual({ feedback: 1, reportId: expect.any(String) });
    expect(b!.reportId).not.toBe(a!.reportId);
  });
});

describe('outbox: expiry', () => {
  it('should drop signals older than 7 days instead of sending them', async () => {
    await fill(2, (i) => message(i), NOW - MAX_AGE_MS - 1);
    await fill(1, () => message(9));
    setOnline(true, false);
    const api = fakeApi();
    await make(api).flush();
    expect(api.sentIds()).toEqual([uuid(9)]);
    expect(await storedIds()).toEqual([]);
  });

  it('should count expired feedback as dropped', async () => {
    await fill(1, () => feedback(1), NOW - MAX_AGE_MS - 1);
    await fill(1, () => message(9));
    setOnline(true, false);
    const api = fakeApi();
    await make(api).flush();
    expect(api.calls[0]!.batch.dropped).toEqual({ feedback: 1, reportId: expect.any(String) });
  });
});
