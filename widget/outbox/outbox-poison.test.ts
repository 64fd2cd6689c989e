// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Signal, SiteConfig } from '../../shared/schemas';
import { createOutbox, SUSPECT_SPAN_MS, SUSPECT_TRIES, type Outbox, type OutboxOptions } from './outbox';
import { openStore } from './store';
import { fakeApi, fakeLocks, feedback, message, ok, setOnline, settle, uuid } from './test-utils';

const NAME = 'backstop-outbox:pk_poison';
const MINUTE = 60_000;
let idb: IDBFactory;
const open: Outbox[] = [];

/**
 * A server that fails (HTTP 500, as a crash on one input would) every batch holding a signal `fails`
 * picks, and stores the rest; `delivered` lists what it stored, in order. `down` makes every push fail
 * as a dead network does, and `siteConfig` answer only while `readable`.
 */
function server(fails: (s: Signal, at: number) => boolean = () => false) {
  const delivered: string[] = [];
  const ctl = { down: false, readable: true };
  const api = fakeApi((b) => {
    if (ctl.down) return { kind: 'retry', reason: 'Failed to fetch' };
    if (b.items.some((s) => fails(s, Date.now()))) return { kind: 'retry', reason: 'HTTP 500' };
    delivered.push(...b.items.map((s) => s.clientEventId));
    return ok(b);
  });
  const siteConfig = vi.fn(async () => {
    if (!ctl.readable || ctl.down) throw new Error('HTTP 500');
    return {} as SiteConfig;
  });
  /** Pushes that held only the given signal. */
  const alone = (id: string) => api.calls.filter((c) => c.batch.items.length === 1 && c.batch.items[0]!.clientEventId === id);
  return Object.assign(api, { delivered, ctl, siteConfig, alone });
}
const is = (i: number) => (s: Signal) => s.clientEventId === uuid(i);

function make(api: ReturnType<typeof server>, extra: Partial<OutboxOptions> = {}) {
  const o = createOutbox({ siteKey: 'pk_poison', api, indexedDB: idb, locks: fakeLocks(), random: () => 0.5, ...extra });
  open.push(o);
  return o;
}
/** Lets `ms` of fake time pass a second at a time, with IndexedDB (on real tasks) keeping up. */
async function elapse(ms: number) {
  for (let t = 0; t < ms; t += 1000) {
    await vi.advanceTimersByTimeAsync(1000);
    await settle(20);
  }
}
const rejectedIds = (o: Outbox) => o.state.value.rejected.flatMap((r) => r.clientEventIds);

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

describe('outbox: a signal the server keeps failing on', () => {
  it('should deliver the signals behind it within a minute', async () => {
    const api = server(is(3));
    const o = make(api);
    for (let i = 1; i <= 5; i++) await o.add(message(i));
    await elapse(MINUTE);
    expect(api.delivered).toEqual([uuid(1), uuid(2), uuid(4), uuid(5)]);
    expect(o.state.value).toMatchObject({ pending: 1, rejected: [] });
  });

  it(`should set it aside with its reason only after ${SUSPECT_TRIES} failures alone over ${SUSPECT_SPAN_MS / MINUTE} minutes`, async () => {
    const api = server(is(3));
    const o = make(api);
    for (let i = 1; i <= 5; i++) await o.add(message(i));
    await elapse(9 * MINUTE);
    expect(rejectedIds(o)).toEqual([]);
    await elapse(11 * MINUTE);
    expect(o.state.value.rejected).toEqual([
      { message: expect.stringMatching(/^Not delivered: the server failed on it \d+ times over 1\d minutes \(HTTP 500\)/), clientEventIds: [uuid(3)] },
    ]);
    const tries = api.alone(uuid(3));
    expect(tries.length).toBeGreaterThanOrEqual(SUSPECT_TRIES);
    expect(tries.at(-1)!.at - tries[0]!.at).toBeGreaterThanOrEqual(SUSPECT_SPAN_MS);
    expect((await openStore(NAME, idb).dead()).map((d) => d.s.clientEventId)).toEqual([uuid(3)]);
    expect(o.state.value.pending).toBe(0);
  });

  it('should check that the site can be read before setting it aside', async () => {
    const api = server(is(1));
    const o = make(api);
    await o.add(message(1));
    await o.add(message(2));
    await elapse(20 * MINUTE);
    expect(api.siteConfig).toHaveBeenCalled();
    expect(rejectedIds(o)).toEqual([uuid(1)]);
  });

  it('should not set it aside while the site cannot be read', async () => {
    const api = server(is(1));
    api.ctl.readable = false;
    const o = make(api);
    await o.add(message(1));
    await o.add(message(2));
    await elapse(30 * MINUTE);
    expect(api.delivered).toEqual([uuid(2)]);
    expect(rejectedIds(o)).toEqual([]);
  });

  it('should not set aside a lone signal when nothing else shows the server healthy', async () => {
    const api = server(is(1));
    const o = make(api);
    await o.add(message(1));
    await elapse(30 * MINUTE);
    expect(api.alone(uuid(1)).length).toBeGreaterThanOrEqual(SUSPECT_TRIES);
    expect(o.state.value).toMatchObject({ pending: 1, rejected: [] });
  });

  it('should keep its failures across a reload and try it alone again, not with new signals', async () => {
    const api = server(is(1));
    const first = make(api);
    await first.add(message(1));
    await first.add(message(2));
    await elapse(MINUTE);
    first.dispose();
    const [row] = await openStore(NAME, idb).list();
    expect(row).toMatchObject({ s: { clientEventId: uuid(1) }, f: expect.any(Number) });
    const second = make(api);
    await second.add(message(3));
    await elapse(MINUTE);
    expect(api.delivered).toEqual([uuid(2), uuid(3)]);
    expect(api.calls.filter((c) => c.batch.items.length > 1 && c.batch.items.some(is(1)) && c.batch.items.some(is(3)))).toEqual([]);
    expect((await openStore(NAME, idb).list())[0]!.f).toBeGreaterThan(row!.f!);
  });
});

describe('outbox: feedback on a suspect message', () => {
  it('should hold the feedback back until its message is delivered', async () => {
    // The agent's answer fails for three minutes (a server bug fixed meanwhile), its rating is behind it.
    const start = Date.now();
    const api = server((s, at) => s.clientEventId === uuid(1) && at < start + 3 * MINUTE);
    const o = make(api);
    for (const s of [message(1, 'agent'), feedback(2, uuid(1)), message(3)]) await o.add(s);
    await elapse(MINUTE);
    expect(api.delivered).toEqual([uuid(3)]);
    await elapse(10 * MINUTE);
    expect(api.delivered).toEqual([uuid(3), uuid(1), uuid(2)]);
    expect(o.state.value).toMatchObject({ pending: 0, rejected: [] });
  });

  it('should set the feedback aside with its message, saying why', async () => {
    const api = server(is(1));
    const o = make(api);
    for (const s of [message(1, 'agent'), feedback(2, uuid(1)), message(3)]) await o.add(s);
    await elapse(20 * MINUTE);
    expect(api.delivered).toEqual([uuid(3)]);
    expect(o.state.value.rejected[1]).toEqual({ message: 'Not sent: the message it rates could not be delivered', clientEventIds: [uuid(2)] });
    expect((await openStore(NAME, idb).dead()).map((d) => d.s.clientEventId)).toEqual([uuid(1), uuid(2)]);
  });
});

describe('outbox: while the server is down', () => {
  const conversationOf5 = () => [message(1, 'agent'), feedback(2, uuid(1)), message(3), message(4, 'agent'), feedback(5, uuid(4))];

  it('should set nothing aside and deliver everything, each rating after its message, once it is back', async () => {
    const api = server();
    api.ctl.down = true;
    const o = make(api);
    for (const s of conversationOf5()) await o.add(s);
    await elapse(60 * MINUTE);
    expect(o.state.value).toMatchObject({ pending: 5, rejected: [] });
    api.ctl.down = false;
    await elapse(10 * MINUTE);
    expect([...api.delivered].sort()).toEqual([1, 2, 3, 4, 5].map(uuid));
    expect(api.delivered.indexOf(uuid(1))).toBeLessThan(api.delivered.indexOf(uuid(2)));
    expect(api.delivered.indexOf(uuid(4))).toBeLessThan(api.delivered.indexOf(uuid(5)));
    expect(o.state.value).toMatchObject({ pending: 0, rejected: [] });
  });

  it('should try the suspects of an outage again at once on the next page', async () => {
    const api = server();
    api.ctl.down = true;
    const first = make(api);
    for (const s of conversationOf5()) await first.add(s);
    await elapse(30 * MINUTE);
    first.dispose();
    expect((await openStore(NAME, idb).list()).filter((r) => r.f).length).toBeGreaterThan(0);
    api.ctl.down = false;
    make(api);
    await elapse(10_000);
    expect([...api.delivered].sort()).toEqual([1, 2, 3, 4, 5].map(uuid));
    expect(api.delivered.indexOf(uuid(4))).toBeLessThan(api.delivered.indexOf(uuid(5)));
  });

  it('should send at most one request per suspect and one batch every five minutes, however long it lasts', async () => {
    const api = server();
    api.ctl.down = true;
    const o = make(api);
    for (let i = 1; i <= 20; i++) await o.add(message(i));
    await elapse(120 * MINUTE);
    const before = api.calls.length;
    await elapse(60 * MINUTE);
    // Twelve five-minute rounds: the failed batch, plus each of at most three suspects on its own backoff.
    expect(api.calls.length - before).toBeLessThanOrEqual(12 * 4);
    expect(o.state.value).toMatchObject({ pending: 20, rejected: [] });
  });
});

describe('outbox: rate limits', () => {
  const limitedFor = (n: number, retryAfterMs = 2000) =>
    fakeApi((b, call) => (call <= n ? { kind: 'retry', reason: 'HTTP 429', retryAfterMs } : ok(b)));

  it('should say the server is limiting after two 429s in a row and stop once delivery resumes', async () => {
    const api = limitedFor(2);
    const o = make(api as ReturnType<typeof server>);
    await o.add(message(1));
    await elapse(1000);
    expect(api.calls).toHaveLength(1);
    expect(o.state.value.limited).toBe(false);
    await elapse(3000);
    expect(api.calls).toHaveLength(2);
    expect(o.state.value.limited).toBe(true);
    await elapse(10_000);
    expect(o.state.value).toMatchObject({ pending: 0, limited: false });
  });

  it('should say so at once when a 429 asks to wait ten seconds or more', async () => {
    const api = limitedFor(1, 30_000);
    const o = make(api as ReturnType<typeof server>);
    await o.add(message(1));
    await elapse(1000);
    expect(o.state.value.limited).toBe(true);
  });

  it.each(['HTTP 429', 'HTTP 503'])('should not count a %s with Retry-After against the signals, alone or not', async (reason) => {
    const api = fakeApi((b) => (b.items.some(is(1)) ? { kind: 'retry', reason, retryAfterMs: 5000 } : ok(b)));
    const o = make(api as ReturnType<typeof server>);
    await o.add(message(1));
    await o.add(message(2));
    await elapse(5 * MINUTE);
    expect(api.calls.every((c) => c.batch.items.length === 2)).toBe(true);
    expect((await openStore(NAME, idb).list()).map((r) => r.f)).toEqual([undefined, undefined]);
  });
});
