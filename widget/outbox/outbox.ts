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
 * - Poison isolation: a batch that fails with a 5xx or a network error (and no Retry-After, which asks
 *   everyone to wait) is halved on the next try, until a single item fails alone. That item becomes a
 *   suspect (at most MAX_SUSPECTS at once): it is tried alone on its own backoff, persisted with its row,
 *   while the items behind it go on; feedback on a suspect message waits for it. A suspect is also tried
 *   at once on a new page and after other signals were delivered since its last failure, so suspects made
 *   by an outage go out soon after it ends. A suspect that failed
 *   alone SUSPECT_TRIES times over at least SUSPECT_SPAN_MS is set aside like a refusal, but only with
 *   evidence that the server is healthy: other signals were delivered since its failures began, and the
 *   site's config can be read now. So an outage or a dead network sets nothing aside. Each try sends at
 *   most one suspect that fails and one batch that fails, so nothing loops.
 * - Dropped feedback is reported with an id kept until the report is acknowledged, so the server counts
 *   a retried report once.
 */
import { signal, type ReadonlySignal } from '@preact/signals';
import { MAX_BATCH_BYTES, MAX_BATCH_ITEMS, MAX_SIGNAL_BYTES } from '../../shared/limits';
import type { Signal } from '../../shared/schemas';
import { KEEPALIVE_MAX_BYTES, utf8Bytes, type Api, type PushOutcome } from '../api/client';
import { uuid } from '../ids';
import { BACKOFF_CAP_MS, createBackoff, suspectDelay } from './backoff';
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
  /** The server keeps answering 429 (Too Many Requests): signals are stored and wait their turn. */
  limited: boolean;
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
  /** `siteConfig`, where given, is the health check made before a suspect is set aside. */
  api: Pick<Api, 'pushSignals' | 'beacon'> & Partial<Pick<Api, 'siteConfig'>>;
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
/** A suspect is set aside after failing alone this many times… */
export const SUSPECT_TRIES = 5;
/** …over at least this long (about seven tries on the suspect's own backoff). */
export const SUSPECT_SPAN_MS = 10 * 60_000;
/** Suspects tried alone at once; more would multiply requests during an outage. */
const MAX_SUSPECTS = 3;
/** A 429 asking to wait this long or more is told to the user at once; shorter ones after two in a row. */
const LIMITED_WAIT_MS = 10_000;
const DROPPED = 'droppedFeedback';
/** The drop report in flight: its id and count, kept until acknowledged. */
const REPORT = 'droppedReport';
/** How many suspects were ever set aside. */
const SET_ASIDE = 'setAside';
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

  const state = signal<OutboxState>({ pending: 0, offline: !online(), waiting: false, rejected: [], limited: false });
  let failed = false;
  /** Most items in the next batch: halved after a failure, doubled after a delivery. */
  let limit = MAX_BATCH_ITEMS;
  /** When this tab last had signals delivered: the evidence that the server is healthy. */
  let okAt = 0;
  const born = now();
  /** 429s in a row. */
  let busy = 0;
  /** Suspects and the feedback waiting for them: kept out of the unload beacon too. */
  let held = new Set<string>();
  let wake: ReturnType<typeof setTimeout> | undefined;
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

  /** The server answers for the site at all: a cheap read that fails during an outage. */
  const healthy = () => (api.siteConfig ? api.siteConfig().then(() => true, () => false) : true);

  /** A suspect failed alone again: set it aside (and its feedback) if the thresholds and health hold, else wait longer. */
  async function strike(r: Row, rows: Row[], reason: string) {
    const f = r.f! + 1;
    const span = now() - r.t!;
    if (f >= SUSPECT_TRIES && span >= SUSPECT_SPAN_MS && okAt > r.t! && (await healthy())) {
      await reject([r], `Not delivered: the server failed on it ${f} times over ${Math.round(span / 60_000)} minutes (${reason}) while other signals went through`);
      const rating = rows.filter((x) => x.s.kind === 'feedback' && x.s.messageId === r.s.clientEventId);
      if (rating.length) await reject(rating, 'Not sent: the message it rates could not be delivered');
      await store.bump(SET_ASIDE, 1);
    } else await store.put({ ...r, f, l: now(), w: now() + suspectDelay(f, opts.random) });
  }

  async function drain() {
    let tried = false;
    while (!disposed && online()) {
      if (!locks && !(await store.lease(me, now(), now() + LEASE_MS))) return;
      const rows = await store.list();
      const expired = rows.filter((r) => r.at < now() - MAX_AGE_MS);
      if (expired.length) {
        await store.del(ids(expired));
        await store.bump(DROPPED, expired.filter((r) => r.s.kind === 'feedback').length);
        continue;
      }
      // Feedback on a suspect message waits for it: a message is never delivered after feedback about it.
      const bad = new Set(rows.filter((r) => r.f).map((r) => r.s.clientEventId));
      const waits = (r: Row) => r.s.kind === 'feedback' && bad.has(r.s.messageId);
      held = new Set(rows.filter((r) => r.f || waits(r)).map((r) => r.s.clientEventId));
      const suspects = rows.filter((r) => r.f && !waits(r));
      // At most one suspect fails per drain; one that is delivered lets the next one try. A suspect is due at
      // once after a delivery since its last failure (the server is back) and on a new page (one try per load).
      const due = tried ? undefined : suspects.find((r) => r.w! <= now() || Math.max(okAt, born) > r.l!);
      const batch = due ? [due] : take(rows.filter((r) => !held.has(r.s.clientEventId)).slice(0, limit), keepalive ? KEEPALIVE_MAX_BYTES : MAX_BATCH_BYTES);
      if (!batch.length) {
        // Only suspects left: look again when the first may try.
        const next = Math.min(...suspects.map((r) => r.w!));
        clearTimeout(wake);
        if (next < Infinity) wake = setTimeout(() => void flush('recheck'), Math.min(BACKOFF_CAP_MS, Math.max(0, next - now())));
        return;
      }
      // The drop count goes as a report with its own id, kept until acknowledged, so a retried batch is not
      // counted twice; drops made meanwhile wait for the next report.
      let report = await store.note<{ id: string; n: number }>(REPORT);
      const count = report ? 0 : await store.bump(DROPPED, 0);
      if (count) report = await store.note(REPORT, { id: uuid(), n: count });
      // A signal added twice goes once (the server refuses repeats within a batch); both rows go on its ack.
      const seen = new Set<string>();
      const items = batch.map((r) => r.s).filter((s) => !seen.has(s.clientEventId) && !!seen.add(s.clientEventId));
      let out: PushOutcome;
      try {
        out = await api.pushSignals(report ? { items, dropped: { feedback: report.n, reportId: report.id } } : { items }, { keepalive });
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
          if (report) {
            await store.bump(DROPPED, -report.n);
            await store.note(REPORT, null);
          }
          failed = false;
          okAt = now();
          busy = 0;
          limit = Math.min(MAX_BATCH_ITEMS, limit * 2);
          backoff.reset();
          set({ limited: false });
          await refresh();
          continue;
        }
      }
      if (out.kind === 'retry') {
        const limited = out.reason === 'HTTP 429';
        busy = limited ? busy + 1 : 0;
        set({ limited: limited && (busy > 1 || (out.retryAfterMs ?? 0) >= LIMITED_WAIT_MS) });
        // Retry-After (429, or a 503 shedding load) asks everyone to wait: it says nothing about the items.
        const blind = limited || out.retryAfterMs !== undefined;
        if (due && !blind) {
          tried = true;
          await strike(due, rows, out.reason);
          continue;
        }
        failed = true;
        const delay = Math.max(out.retryAfterMs ?? 0, backoff.next());
        if (!blind && !due) {
          if (batch.length > 1) limit = Math.ceil(batch.length / 2);
          else if (bad.size < MAX_SUSPECTS) await store.put({ ...batch[0]!, f: 1, t: now(), l: now(), w: now() + delay });
        }
        clearTimeout(retry);
        retry = setTimeout(() => ((retry = undefined), void flush('retry')), delay);
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
      // Suspects would fail the whole batch; the normal drain handles them.
      const rows = take(unsent.filter((s) => !held.has(s.clientEventId)).map((s) => ({ s, at: 0, n: utf8Bytes(JSON.stringify(s)) })), KEEPALIVE_MAX_BYTES);
      if (rows.length) api.beacon({ items: rows.map((r) => r.s) });
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
      clearTimeout(wake);
      win?.removeEventListener('online', onOnline);
      win?.removeEventListener('offline', onOffline);
      win?.removeEventListener('pagehide', onPageHide);
      doc?.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
