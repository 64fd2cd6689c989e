/**
 * The durable outbox: every signal is stored before it is sent, sent in order in batches, deleted only
 * once the server has it, and retried across failures, reloads and tabs. Nothing here throws into the
 * host page.
 *
 * Policies worth knowing:
 * - Cap: past MAX_ITEMS the oldest feedback is dropped (or the new feedback, if no older one is stored)
 *   and counted; messages (user and agent) and escalations are never dropped for room, so the cap is soft
 *   for them and the 7-day expiry bounds them. The count rides on the next delivered batch.
 * - One tab drains at a time (Web Locks; else a lease row in IndexedDB). The drainer reads the shared
 *   store on every batch, so other tabs' signals go out with its own; a tab that finds the lock taken
 *   looks again shortly.
 * - `state.rejected` lists this page's refusals; the dead-letter store keeps the last MAX_DEAD of them.
 */
import { signal, type ReadonlySignal } from '@preact/signals';
import { MAX_BATCH_BYTES, MAX_BATCH_ITEMS, MAX_SIGNAL_BYTES } from '../../shared/limits';
import type { Signal } from '../../shared/schemas';
import { KEEPALIVE_MAX_BYTES, utf8Bytes, type Api, type PushOutcome } from '../api/client';
import { createBackoff } from './backoff';
import { namedItems, take } from './batch';
import { openStore, type Row } from './store';

export interface OutboxState {
  /** Signals stored and not yet acknowledged (across this site's tabs). */
  pending: number;
  offline: boolean;
  /** Stored but held back: offline, or the last attempt failed and a retry is scheduled. */
  waiting: boolean;
  /** Signals the server refused for good, with why. */
  rejected: { message: string; clientEventIds: string[] }[];
}

export interface Outbox {
  /** Resolves once the signal is stored (IndexedDB, or memory as a fallback). */
  add(signal: Signal): Promise<void>;
  flush(reason?: string): Promise<void>;
  readonly state: ReadonlySignal<OutboxState>;
  dispose(): void;
}

export interface OutboxOptions {
  siteKey: string;
  api: Pick<Api, 'pushSignals' | 'beacon'>;
  /** Defaults to the page's; null means memory only. */
  indexedDB?: IDBFactory | null;
  /** Defaults to `navigator.locks`; null uses a lease in IndexedDB instead. */
  locks?: Pick<LockManager, 'request'> | null;
  now?: () => number;
  random?: () => number;
  debounceMs?: number;
}

/** Most signals kept; past it the oldest feedback goes first. */
export const MAX_ITEMS = 1000;
/** Older signals are dropped unsent. */
export const MAX_AGE_MS = 7 * 24 * 60 * 60_000;
/** Signals added within this window go in one batch. */
const DEBOUNCE_MS = 100;
/** A tab that finds another draining looks again this often, until its items are gone. */
const LOCK_RECHECK_MS = 2000;
/** Lifetime of the IndexedDB lease used where Web Locks are missing; renewed before each batch. */
const LEASE_MS = 60_000;
/** Rejections shown at once. */
const MAX_REJECTED = 20;
const DROPPED = 'droppedFeedback';
// After a failure, these wait for the scheduled retry; the others (online, manual, retry) go at once.
const WAIT_FOR_RETRY = ['add', 'hidden', 'pagehide', 'recheck'];

const safely = <T>(get: () => T): T | undefined => {
  try {
    return get();
  } catch {
    return undefined;
  }
};

export function createOutbox(opts: OutboxOptions): Outbox {
  const { api, now = Date.now, debounceMs = DEBOUNCE_MS } = opts;
  const name = `backstop-outbox:${opts.siteKey}`;
  // Reading `indexedDB` itself throws in some sandboxed frames.
  const store = openStore(name, 'indexedDB' in opts ? opts.indexedDB : safely(() => indexedDB));
  let locks = 'locks' in opts ? opts.locks : safely(() => navigator.locks);
  const backoff = createBackoff(opts.random);
  const me = `${now()}:${Math.random()}`;
  const online = () => safely(() => navigator.onLine) !== false;
  const win = typeof window === 'undefined' ? undefined : window;
  const doc = typeof document === 'undefined' ? undefined : document;

  const state = signal<OutboxState>({ pending: 0, offline: !online(), waiting: false, rejected: [] });
  let failed = false;
  let keepalive = false;
  let disposed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  // This tab's signals not yet confirmed, kept in memory so a page being unloaded can send them in
  // its last task: the IndexedDB and lock round trips of a normal drain would be cut off.
  let unsent: Signal[] = [];
  const settled = (rows: Row[]) => {
    const gone = new Set(rows.map((r) => r.s.clientEventId));
    unsent = unsent.filter((s) => !gone.has(s.clientEventId));
  };
  let recheck: ReturnType<typeof setTimeout> | undefined;

  const set = (patch: Partial<OutboxState>) => {
    const old = state.value;
    const next = { ...old, ...patch };
    next.waiting = next.pending > 0 && (next.offline || failed);
    if ((Object.keys(next) as (keyof OutboxState)[]).some((k) => next[k] !== old[k])) state.value = next;
  };
  const refresh = async () => set({ pending: await store.count() });
  const ids = (rows: Row[]) => rows.map((r) => r.id!);

  async function reject(rows: Row[], message: string) {
    settled(rows);
    await store.bury(rows, message);
    const entry = { message, clientEventIds: rows.map((r) => r.s.clientEventId) };
    set({ rejected: [...state.value.rejected, entry].slice(-MAX_REJECTED) });
  }

  /** Runs `fn` if this tab may drain: Web Locks, else a lease in the shared store. */
  async function exclusive(fn: () => Promise<void>): Promise<boolean> {
    if (locks) {
      try {
        return await locks.request(name, { ifAvailable: true }, async (lock) => !!lock && (await fn(), true));
      } catch {
        locks = null; // e.g. SecurityError in an opaque-origin frame
      }
    }
    if (!(await store.lease(me, now(), now() + LEASE_MS))) return false;
    try {
      await fn();
    } finally {
      await store.lease(me, now(), 0);
    }
    return true;
  }

  async function drain() {
    let limit = MAX_BATCH_ITEMS;
    while (!disposed && online()) {
      if (!locks && !(await store.lease(me, now(), now() + LEASE_MS))) return;
      const rows = await store.list(limit);
      const expired = rows.filter((r) => r.at < now() - MAX_AGE_MS);
      if (expired.length) {
        await store.del(ids(expired));
        await store.bump(DROPPED, expired.filter((r) => r.s.kind === 'feedback').length);
        continue;
      }
      const batch = take(rows, keepalive ? KEEPALIVE_MAX_BYTES : MAX_BATCH_BYTES);
      if (!batch.length) return;
      const dropped = await store.bump(DROPPED, 0);
      // A signal added twice goes once (the server refuses repeats within a batch); both rows go on its ack.
      const seen = new Set<string>();
      const items = batch.map((r) => r.s).filter((s) => !seen.has(s.clientEventId) && !!seen.add(s.clientEventId));
      let out: PushOutcome;
      try {
        out = await api.pushSignals(dropped ? { items, dropped: { feedback: dropped } } : { items }, { keepalive });
      } catch (error) {
        out = { kind: 'retry', reason: String(error) };
      }
      if (out.kind === 'ok') {
        const acked = new Set(out.results.map((r) => r.clientEventId));
        const done = batch.filter((r) => acked.has(r.s.clientEventId));
        // An answer that acknowledges nothing would resend the same batch forever; treat it as a failure.
        if (!done.length) out = { kind: 'retry', reason: 'no item acknowledged' };
        else {
          settled(done);
          await store.del(ids(done));
          if (dropped) await store.bump(DROPPED, -dropped);
          failed = false;
          backoff.reset();
          await refresh();
          continue;
        }
      }
      if (out.kind === 'retry') {
        failed = true;
        const delay = backoff.next();
        clearTimeout(retry);
        retry = setTimeout(() => ((retry = undefined), void flush('retry')), out.retryAfterMs ?? delay);
        return;
      }
      const named = namedItems(out.fields, items.length);
      if (named.size) {
        const byReason = new Map<string, Row[]>();
        for (const [i, why] of named) {
          const rows = batch.filter((r) => r.s.clientEventId === items[i]!.clientEventId);
          byReason.set(why, [...(byReason.get(why) ?? []), ...rows]);
        }
        for (const [why, rows] of byReason) await reject(rows, `Refused by the server (${out.status}): ${why}`);
      } else if (batch.length > 1 && out.status !== 401 && out.status !== 403) {
        // Nobody named: bisect until the bad item is alone. Halves are prefixes, so order holds.
        limit = Math.ceil(batch.length / 2);
      } else {
        // A single item, or a refusal of the site itself (key, origin) that no split can fix.
        await reject(batch, `Refused by the server (${out.status}): ${out.message}`);
      }
    }
  }

  async function attempt() {
    await refresh();
    set({ offline: !online() });
    if (!state.value.pending || state.value.offline || retry) return;
    clearTimeout(recheck);
    recheck = undefined;
    if (!(await exclusive(drain)) && !disposed) recheck = setTimeout(() => void flush('recheck'), LOCK_RECHECK_MS);
    await refresh();
  }

  function flush(reason = 'manual'): Promise<void> {
    if (disposed) return Promise.resolve();
    if (reason === 'hidden' || reason === 'pagehide') keepalive = true;
    if (!WAIT_FOR_RETRY.includes(reason)) {
      clearTimeout(retry);
      retry = undefined;
    }
    if (running) {
      again = true;
      return running;
    }
    const run = async () => {
      try {
        do {
          again = false;
          await attempt();
        } while (again && !disposed);
      } catch {
        // Never into the host page; the next trigger tries again.
      } finally {
        // Cleared in the same step the loop ends, so no flush can slip in between and be lost.
        running = undefined;
      }
    };
    return (running = run());
  }

  async function add(sig: Signal) {
    try {
      if (disposed) return;
      const row: Row = { s: sig, at: now(), n: utf8Bytes(JSON.stringify(sig)) };
      if (row.n > MAX_SIGNAL_BYTES) return await reject([row], `Too large to send: ${row.n} bytes, the limit is ${MAX_SIGNAL_BYTES}.`);
      unsent.push(sig);
      if ((await store.count()) >= MAX_ITEMS) {
        // Feedback is the only kind we give up: messages and escalations are the conversation itself.
        const victim = (await store.list()).find((r) => r.s.kind === 'feedback');
        if (victim) await store.del([victim.id!]);
        if (victim || sig.kind === 'feedback') await store.bump(DROPPED, 1);
        if (victim) settled([victim]);
        if (!victim && sig.kind === 'feedback') return void settled([row]);
      }
      await store.put(row);
      await refresh();
      debounce ??= setTimeout(() => ((debounce = undefined), void flush('add')), debounceMs);
    } catch {
      // Storage fell back to memory inside the store; anything left is not worth breaking the host page.
    }
  }

  const onOnline = () => {
    set({ offline: false });
    // A new connection: the old failures say nothing about it.
    backoff.reset();
    void flush('online');
  };
  const onOffline = () => set({ offline: true });
  /** Hands this tab's unconfirmed signals to a keepalive request now, while the page still may send. */
  const sendBeforeUnload = () => {
    if (disposed || !unsent.length || !online() || !api.beacon) return;
    try {
      const rows = take(unsent.map((s) => ({ s, at: 0, n: utf8Bytes(JSON.stringify(s)) })), KEEPALIVE_MAX_BYTES);
      api.beacon({ items: rows.map((r) => r.s) });
    } catch {
      // The normal drain, now or on the next visit, still delivers them.
    }
  };
  const onPageHide = () => {
    sendBeforeUnload();
    void flush('pagehide');
  };
  const onVisibility = () => {
    if (doc?.visibilityState === 'hidden') {
      sendBeforeUnload();
      void flush('hidden');
    } else keepalive = false;
  };
  win?.addEventListener('online', onOnline);
  win?.addEventListener('offline', onOffline);
  win?.addEventListener('pagehide', onPageHide);
  doc?.addEventListener('visibilitychange', onVisibility);
  // Whatever earlier pages left behind goes out now.
  void flush('start');

  return {
    add,
    flush,
    state,
    dispose() {
      disposed = true;
      clearTimeout(debounce);
      clearTimeout(retry);
      clearTimeout(recheck);
      win?.removeEventListener('online', onOnline);
      win?.removeEventListener('offline', onOffline);
      win?.removeEventListener('pagehide', onPageHide);
      doc?.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
