/**
 * The periodic refit of calibrated badge thresholds: every few minutes, the sites under calibrated badges
 * (at most `sitesPerPass`, the longest unfitted first, so the work of one pass is bounded) are refitted.
 * One instance at a time (a transaction-level advisory lock; the others skip the pass). Errors are
 * reported and the next pass tries again.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { calibratedSites, refitCalibration } from '../domain/calibrated-thresholds-store';

export interface CalibrationJobOptions {
  /** Pause between passes (ms, default 5 minutes); 0 runs no timer (tests call runOnce). */
  intervalMs?: number;
  /** Sites refitted per pass (default 20). */
  sitesPerPass?: number;
  onError?: (err: unknown) => void;
}

export interface CalibrationJob {
  /** One pass; returns how many sites were refitted (0 when another instance held the lock). */
  runOnce(): Promise<number>;
  close(): Promise<void>;
}

const LOCK_SQL = sql`select pg_try_advisory_xact_lock(hashtext('backstop:calibration-refit:' || current_schema())) as locked`;

export function startCalibrationJob(db: Db, opts: CalibrationJobOptions = {}): CalibrationJob {
  const intervalMs = opts.intervalMs ?? 5 * 60_000;
  const sitesPerPass = opts.sitesPerPass ?? 20;
  const onError = opts.onError ?? (() => {});
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  const pass = () =>
    db.transaction(async (t) => {
      const tx = t as unknown as Db;
      const [lock] = ((await tx.execute(LOCK_SQL)) as unknown as { rows: { locked: boolean }[] }).rows;
      if (!lock?.locked) return 0;
      const siteIds = await calibratedSites(tx, sitesPerPass);
      for (const siteId of siteIds) await refitCalibration(tx, siteId);
      return siteIds.length;
    });

  function runOnce(): Promise<number> {
    const next = running.then(pass, pass);
    running = next.catch(() => {});
    return next;
  }

  function schedule() {
    if (closed || intervalMs <= 0) return;
    timer = setTimeout(async () => {
      timer = null;
      try {
        await runOnce();
      } catch (err) {
        if (!closed) onError(err);
      }
      schedule();
    }, intervalMs);
    timer.unref?.();
  }
  schedule();

  return {
    runOnce,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
