/**
 * The review projector keeps the `cases` read model: new feedback and escalation events become cases
 * (case-feed.ts), and queued cases are classified (case-classifier.ts). Every instance runs one. Feeding
 * runs under a transaction-level advisory lock per schema (`pg_try_advisory_xact_lock`), so one instance at a
 * time moves the cursors and the others skip that step instead of waiting; classification claims rows with
 * SKIP LOCKED, so instances share that work. Errors are reported and the next tick tries again: the
 * projector never takes the server down.
 */
import type { Db } from '../db/client';
import { classifyQueued } from './case-classifier';
import { projectEscalationEvents, projectFeedback } from './case-feed';
import { periodicJob, tryJobLock, type PeriodicJob } from './periodic-job';

export interface ReviewProjectorOptions {
  /** Pause between passes when there is nothing more to do (ms, default 750); 0 runs no timer (tests call runOnce). */
  intervalMs?: number;
  /** Rows per statement (default 500). */
  batchSize?: number;
  /** Batches per step in one pass, so that a backlog does not hold the lock for long (default 20). */
  maxBatches?: number;
  /** How long a feedback transaction may take to commit before the cursor passes its rows (ms, default 60 000). */
  commitLagMs?: number;
  onError?: (err: unknown) => void;
}

/** What one pass did. */
export interface ProjectorRun {
  feedbackCases: number;
  escalationCases: number;
  resolved: number;
  classified: number;
  /** False when another instance held the feeding lock, so this one only classified. */
  fed: boolean;
}

/** `runOnce`: one pass, feed then classify, until the queue is drained or maxBatches is reached. */
export type ReviewProjector = PeriodicJob<[], ProjectorRun>;

export function startReviewProjector(db: Db, opts: ReviewProjectorOptions = {}): ReviewProjector {
  const intervalMs = opts.intervalMs ?? 750;
  const batchSize = opts.batchSize ?? 500;
  const maxBatches = opts.maxBatches ?? 20;
  const commitLagMs = opts.commitLagMs ?? 60_000;

  async function feed(run: ProjectorRun): Promise<boolean> {
    return db.transaction(async (tx) => {
      if (!(await tryJobLock(tx as unknown as Db, 'review-projector'))) return false;
      for (let i = 0; i < maxBatches; i++) {
        const f = await projectFeedback(tx as unknown as Db, { limit: batchSize, commitLagMs });
        run.feedbackCases += f.inserted;
        if (!f.full) break;
      }
      for (let i = 0; i < maxBatches; i++) {
        const e = await projectEscalationEvents(tx as unknown as Db, { limit: batchSize });
        run.escalationCases += e.escalationCases;
        run.resolved += e.resolved;
        if (!e.full) break;
      }
      return true;
    });
  }

  async function pass(): Promise<ProjectorRun> {
    const run: ProjectorRun = { feedbackCases: 0, escalationCases: 0, resolved: 0, classified: 0, fed: false };
    run.fed = await feed(run);
    for (let i = 0; i < maxBatches; i++) {
      const n = await classifyQueued(db, batchSize);
      run.classified += n;
      if (n < batchSize) break;
    }
    return run;
  }

  return periodicJob(pass, {
    intervalMs,
    onError: opts.onError ?? (() => {}),
    // A full pass means a backlog: go again at once rather than after the pause.
    again: (run) => run.classified >= batchSize * maxBatches || run.feedbackCases >= batchSize * maxBatches,
  });
}
