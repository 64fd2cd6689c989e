/**
 * Wakes event-log subscribers of one server process. It knows nothing of the events themselves: a
 * subscriber arms a waiter, reads the log after its last id, and only sleeps on the waiter if there was
 * nothing new. Arming before reading means a change committed in between is never slept through.
 */
import type { Listener, NotificationHandlers } from './notifications';

export interface Waiter {
  /** Resolves on a change for one of the waiter's sites, a listener reset, the idle timeout, or abort. */
  promise: Promise<void>;
  cancel(): void;
}

export interface Bus {
  /** Registers interest in changes to `siteIds` (null: any site). */
  arm(siteIds: ReadonlySet<string> | null, signal?: AbortSignal): Waiter;
  /** Wakes subscribers of one site (or all), as a notification would. */
  wake(siteId: string | null): void;
  /** Subscribers currently waiting (for tests and metrics). */
  waiting(): number;
  listener(): Listener | null;
  close(): Promise<void>;
}

export interface BusOptions {
  /** Longest a waiter sleeps before its subscriber re-reads the log anyway (a safety net, not the path). */
  maxIdleMs?: number;
}

/** Creates a bus; `start` connects it to a notification source (PGlite or PostgreSQL LISTEN). */
export function createBus(opts: BusOptions = {}) {
  const maxIdleMs = opts.maxIdleMs ?? 15_000;
  const waiters = new Set<{ sites: ReadonlySet<string> | null; done: () => void }>();
  let source: Listener | null = null;

  const wake = (siteId: string | null) => {
    for (const w of [...waiters]) if (siteId === null || w.sites === null || w.sites.has(siteId)) w.done();
  };

  const bus: Bus & { handlers: NotificationHandlers; attach(listener: Listener): void } = {
    handlers: { onNotify: (payload) => wake(payload || null), onReset: () => wake(null) },
    attach(listener) {
      source = listener;
    },
    arm(sites, signal) {
      let entry!: { sites: ReadonlySet<string> | null; done: () => void };
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => entry.done();
      const promise = new Promise<void>((resolve) => {
        entry = {
          sites,
          done: () => {
            waiters.delete(entry);
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
      });
      waiters.add(entry);
      timer = setTimeout(entry.done, maxIdleMs);
      timer.unref?.();
      if (signal?.aborted) entry.done();
      else signal?.addEventListener('abort', onAbort, { once: true });
      return { promise, cancel: entry.done };
    },
    wake,
    waiting: () => waiters.size,
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
