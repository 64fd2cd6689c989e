/**
 * The review projector keeps the `cases` read model: new feedback and escalation events become cases
 * (case-feed.ts), and queued cases are classified (case-classifier.ts). Every instance runs one. Feeding
 * runs under a transaction-level advisory lock per schema (`pg_try_advisory_xact_lock`), so one instance at a
 * time moves the cursors and the others skip that step instead of waiting; classification claims rows with
 * SKIP LOCKED, so instances share that work. Errors are reported and the next tick tries again: the
 * projector never takes the server down.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { classifyQueued } from './case-classifier';
import { projectEscalationEvents, projectFeedback } from './case-feed';

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

export interface ReviewProjector {
  /** One pass: feed, then classify, until the queue is drained or maxBatches is reached. */
  runOnce(): Promise<ProjectorRun>;
  close(): Promise<void>;
}

const LOCK_SQL = sql`select pg_try_advisory_xact_lock(hashtext('backstop:review-projector:' || current_schema())) as locked`;

export function startReviewProjector(db: Db, opts: ReviewProjectorOptions = {}): ReviewProjector {
  const intervalMs = opts.intervalMs ?? 750;
  const batchSize = opts.batchSize ?? 500;
  const maxBatches = opts.maxBatches ?? 20;
  const commitLagMs = opts.commitLagMs ?? 60_000;
  const onError = opts.onError ?? (() => {});
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  // Passes never overlap within one instance: a test's runOnce waits for the timer's pass and vice versa.
  let running: Promise<unknown> = Promise.resolve();

  async function feed(run: ProjectorRun): Promise<boolean> {
    return db.transaction(async (tx) => {
      const [lock] = ((await tx.execute(LOCK_SQL)) as unknown as { rows: { locked: boolean }[] }).rows;
      if (!lock?.locked) return false;
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

  function runOnce(): Promise<ProjectorRun> {
    const next = running.then(pass, pass);
    running = next.catch(() => {});
    return next;
  }

  function schedule(delayMs: number) {
    if (closed || intervalMs <= 0) return;
    timer = setTimeout(async () => {
      timer = null;
      let delay = intervalMs;
      try {
        const run = await runOnce();
        // A full pass means a backlog: go again at once rather than after the pause.
        const busy = run.classified >= batchSize * maxBatches || run.feedbackCases >= batchSize * maxBatches;
        if (busy) delay = 0;
      } catch (err) {
        if (!closed) onError(err);
      }
      schedule(delay);
    }, delayMs);
    timer.unref?.();
  }
  schedule(intervalMs);

  return {
    runOnce,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
