/**
 * Group commit for signal batches. Requests that arrive while a group's transaction runs wait and go
 * together into the next one, so that many small requests share one BEGIN/INSERT/COMMIT instead of
 * paying for their own. Each request keeps its own outcome: a refused request fails alone (the others
 * are stored), every request is answered only after the commit that stored it, and a failed commit
 * fails every request of its group (nothing of it is stored; clients retry).
 */
import type { SignalBatch, SignalResult } from '../../shared/schemas';
import type { Db } from '../db/client';
import type { SignalCache } from './signal-cache';
import { applyLearnt, newLearnt, overlapping, prepareBatch, storePrepared, type Learnt, type PreparedBatch, type SignalContext } from './signals';

export interface SignalWriter {
  /** Stores one request's batch atomically, after the checks that need no database; resolves after its commit. */
  store(ctx: Pick<SignalContext, 'siteId' | 'userAgent' | 'redact'>, batch: SignalBatch): Promise<SignalResult[]>;
}

export interface SignalWriterOptions {
  /** Signals per group; a request larger than this still goes alone. */
  maxItems?: number;
  /** Groups whose transactions may run at once (default 1; PGlite has one connection anyway). */
  concurrency?: number;
}

interface Pending {
  prepared: PreparedBatch;
  resolve(results: SignalResult[]): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; results: SignalResult[]; learnt: Learnt } | { ok: false; error: unknown };

export function createSignalWriter(db: Db, cache: SignalCache, opts: SignalWriterOptions = {}): SignalWriter {
  const maxItems = opts.maxItems ?? 1000;
  const concurrency = opts.concurrency ?? 1;
  const waiting: Pending[] = [];
  let running = 0;
  let scheduled = false;

  // Deferred to the end of this turn of the event loop, so requests that arrived together go together.
  const schedule = () => {
    if (scheduled || running >= concurrency || waiting.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (running < concurrency && waiting.length) {
        running++;
        void commitGroup(takeGroup()).finally(() => {
          running--;
          schedule();
        });
      }
    });
  };

  const takeGroup = (): Pending[] => {
    const group = [waiting.shift()!];
    let items = group[0]!.prepared.batch.items.length;
    while (waiting.length && items + waiting[0]!.prepared.batch.items.length <= maxItems) {
      items += waiting[0]!.prepared.batch.items.length;
      group.push(waiting.shift()!);
    }
    return group;
  };

  async function commitGroup(group: Pending[]): Promise<void> {
    if (group.length > 1 && !overlapping(group.map((p) => p.prepared))) {
      // Fast path: every request in one statement per table. Any refusal rolls it all back and the
      // group is stored again request by request, each in its own savepoint.
      const learnt = newLearnt();
      let bodyDone = false;
      try {
        const results = await db.transaction(async (tx) => {
          const r = await storePrepared(tx as unknown as Db, group.map((p) => p.prepared), cache, learnt);
          bodyDone = true;
          return r;
        });
        applyLearnt(cache, learnt);
        group.forEach((p, i) => p.resolve(results[i]!));
        return;
      } catch (error) {
        if (bodyDone) return group.forEach((p) => p.reject(error)); // the commit itself failed
      }
    }
    const outcomes: Outcome[] = [];
    try {
      await db.transaction(async (tx) => {
        for (const p of group) {
          const learnt = newLearnt();
          const store = (t: unknown) => storePrepared(t as Db, [p.prepared], cache, learnt);
          try {
            // A lone request needs no savepoint: its refusal rolls back the whole (its own) transaction.
            const [results] = group.length === 1 ? await store(tx) : await tx.transaction(store);
            outcomes.push({ ok: true, results: results!, learnt });
          } catch (error) {
            if (group.length === 1) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      return group.forEach((p) => p.reject(error));
    }
    group.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        applyLearnt(cache, o.learnt);
        p.resolve(o.results);
      } else p.reject(o.error);
    });
  }

  return {
    store(ctx, batch) {
      return new Promise((resolve, reject) => {
        waiting.push({ prepared: prepareBatch(ctx, batch), resolve, reject });
        schedule();
      });
    },
  };
}
