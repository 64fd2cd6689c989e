/**
 * Wakes event-log subscribers of one server process. It knows nothing of the events themselves: a
 * subscriber arms a waiter, reads the log after its last id, and only sleeps on the waiter if there was
 * nothing new. Arming before reading means a change committed in between is never slept through.
 *
 * A waiter names what it waits for with keys: staff streams the keys of their sites, a widget stream the
 * key of its one conversation. A change wakes the waiters of its site and of its conversation only, so
 * an event of one conversation does not make every open widget stream of the site re-read the log.
 */
import { parseChange, type Change, type Listener, type NotificationHandlers } from './notifications';

export type { Change } from './notifications';

/** The key a waiter arms with to be woken by changes of a site. */
export const siteKey = (siteId: string) => `s:${siteId}`;
/** The key a waiter arms with to be woken by changes of one conversation (not of the rest of its site). */
export const conversationKey = (conversationId: string) => `c:${conversationId}`;

export interface Waiter {
  /** Resolves on a change matching one of the waiter's keys, a listener reset, the idle timeout, or abort. */
  promise: Promise<void>;
  cancel(): void;
}

export interface Bus {
  /** Registers interest in changes matching `keys` (`siteKey`/`conversationKey`; null: any change). */
  arm(keys: ReadonlySet<string> | null, signal?: AbortSignal): Waiter;
  /** Wakes the waiters of a change's site and conversation (null: every waiter), as a notification would. */
  wake(change: Change | null): void;
  /** Subscribers currently waiting (for tests and metrics). */
  waiting(): number;
  listener(): Listener | null;
  close(): Promise<void>;
}

export interface BusOptions {
  /** Longest a waiter sleeps before its subscriber re-reads the log anyway (a safety net, not the path). */
  maxIdleMs?: number;
}

interface Entry {
  keys: ReadonlySet<string> | null;
  done: () => void;
}

/** Creates a bus; `start` connects it to a notification source (PGlite or PostgreSQL LISTEN). */
export function createBus(opts: BusOptions = {}) {
  const maxIdleMs = opts.maxIdleMs ?? 15_000;
  const all = new Set<Entry>();
  // Indexed by key, so a change costs the waiters it wakes, not every open stream.
  const anyChange = new Set<Entry>();
  const byKey = new Map<string, Set<Entry>>();
  let source: Listener | null = null;

  const add = (entry: Entry) => {
    all.add(entry);
    if (!entry.keys) return void anyChange.add(entry);
    for (const key of entry.keys) {
      let set = byKey.get(key);
      if (!set) byKey.set(key, (set = new Set()));
      set.add(entry);
    }
  };
  const remove = (entry: Entry) => {
    all.delete(entry);
    if (!entry.keys) return void anyChange.delete(entry);
    for (const key of entry.keys) {
      const set = byKey.get(key);
      if (set?.delete(entry) && set.size === 0) byKey.delete(key);
    }
  };

  const wake = (change: Change | null) => {
    if (!change) {
      for (const w of [...all]) w.done();
      return;
    }
    const targets = new Set(anyChange);
    for (const w of byKey.get(siteKey(change.siteId)) ?? []) targets.add(w);
    if (change.conversationId) for (const w of byKey.get(conversationKey(change.conversationId)) ?? []) targets.add(w);
    for (const w of targets) w.done();
  };

  const bus: Bus & { handlers: NotificationHandlers; attach(listener: Listener): void } = {
    handlers: { onNotify: (payload) => wake(parseChange(payload)), onReset: () => wake(null) },
    attach(listener) {
      source = listener;
    },
    arm(keys, signal) {
      let entry!: Entry;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const onAbort = () => entry.done();
      const promise = new Promise<void>((resolve) => {
        entry = {
          keys,
          done: () => {
            if (settled) return;
            settled = true;
            remove(entry);
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
      });
      add(entry);
      timer = setTimeout(entry.done, maxIdleMs);
      timer.unref?.();
      if (signal?.aborted) entry.done();
      else signal?.addEventListener('abort', onAbort, { once: true });
      return { promise, cancel: entry.done };
    },
    wake,
    waiting: () => all.size,
    listener: () => source,
    async close() {
      wake(null);
      await source?.stop();
      source = null;
    },
  };
  return bus;
}

/** A bus woken by the database's own notifications (PGlite in-process, PostgreSQL LISTEN with reconnects). */
export async function openBus(
  database: { listen(h: NotificationHandlers, o?: { onError?: (err: Error) => void }): Promise<Listener> },
  opts: BusOptions & { onListenerError?: (err: Error) => void } = {},
): Promise<Bus> {
  const bus = createBus(opts);
  bus.attach(await database.listen(bus.handlers, { onError: opts.onListenerError }));
  return bus;
}
