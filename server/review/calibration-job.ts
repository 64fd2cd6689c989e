/**
 * The periodic refit of calibrated badge thresholds: every few minutes, the sites under calibrated badges
 * (at most `sitesPerPass`, the longest unfitted first, so the work of one pass is bounded) are refitted.
 * One instance at a time (a transaction-level advisory lock; the others skip the pass). Errors are
 * reported and the next pass tries again.
 */
import type { Db } from '../db/client';
import { calibratedSites, refitCalibration } from '../domain/calibrated-thresholds-store';
import { periodicJob, tryJobLock, type PeriodicJob } from './periodic-job';

export interface CalibrationJobOptions {
  /** Pause between passes (ms, default 5 minutes); 0 runs no timer (tests call runOnce). */
  intervalMs?: number;
  /** Sites refitted per pass (default 20). */
  sitesPerPass?: number;
  onError?: (err: unknown) => void;
}

/** `runOnce` returns how many sites were refitted (0 when another instance held the lock). */
export type CalibrationJob = PeriodicJob<[], number>;

export function startCalibrationJob(db: Db, opts: CalibrationJobOptions = {}): CalibrationJob {
  const sitesPerPass = opts.sitesPerPass ?? 20;
  const pass = () =>
    db.transaction(async (t) => {
      const tx = t as unknown as Db;
      if (!(await tryJobLock(tx, 'calibration-refit'))) return 0;
      const siteIds = await calibratedSites(tx, sitesPerPass);
      for (const siteId of siteIds) await refitCalibration(tx, siteId);
      return siteIds.length;
    });
  return periodicJob(pass, { intervalMs: opts.intervalMs ?? 5 * 60_000, onError: opts.onError ?? (() => {}) });
}
