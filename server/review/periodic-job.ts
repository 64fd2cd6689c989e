/**
 * A background job of every instance (the review projector, alerts, calibration refits): passes run one at a time
 * per instance (a test's `runOnce` waits for the timer's pass and the other way round), a pass that throws is
 * reported and the next one tries again, and `close` stops the timer and waits for the pass in flight.
 * Jobs that must run on one instance at a time take `tryJobLock` inside their pass.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

export interface PeriodicJob<A extends unknown[], R> {
  /** One pass, after any pass in flight. */
  runOnce(...args: A): Promise<R>;
  close(): Promise<void>;
}

export interface PeriodicJobOptions<R> {
  /** Pause between passes (ms); 0 runs no timer (tests call runOnce). */
  intervalMs: number;
  onError: (err: unknown) => void;
  /** Whether the pass left work behind (a backlog): the next one then starts at once instead of after the pause. */
  again?: (result: R) => boolean;
}

export function periodicJob<A extends unknown[], R>(pass: (...args: A) => Promise<R>, opts: PeriodicJobOptions<R>): PeriodicJob<A, R> {
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  function runOnce(...args: A): Promise<R> {
    const next = running.then(
      () => pass(...args),
      () => pass(...args),
    );
    running = next.catch(() => {});
    return next;
  }

  function schedule(delayMs: number) {
    if (closed || opts.intervalMs <= 0) return;
    timer = setTimeout(async () => {
      timer = null;
      let delay = opts.intervalMs;
      try {
        // The timer's passes take no arguments: each job's pass has defaults for them.
        if (opts.again?.(await runOnce(...([] as unknown as A)))) delay = 0;
      } catch (err) {
        if (!closed) opts.onError(err);
      }
      schedule(delay);
    }, delayMs);
    timer.unref?.();
  }
  schedule(opts.intervalMs);

  return {
    runOnce,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Takes the job's transaction-level advisory lock if it is free (per schema, so test schemas never meet); false
 * when another instance holds it, which then skips this step rather than waiting.
 */
export async function tryJobLock(tx: Db, name: string): Promise<boolean> {
  const key = `backstop:${name}:`;
  const result = (await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext(${key} || current_schema())) as locked`)) as unknown as { rows: { locked: boolean }[] };
  return !!result.rows[0]?.locked;
}
