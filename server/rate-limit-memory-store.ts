/**
 * The per-instance store of rate-limit counters (fixed windows in a Map). It replaces the plugin's own
 * LocalStore, which hands every caller the same mutable counter object: requests arriving together all
 * read the final count after their await, so a burst of 30 against a limit of 5 refused all 30.
 */
import type { FastifyRateLimitStore } from '@fastify/rate-limit';

/** Counters kept at most; past it, expired ones are swept, then the oldest dropped. */
const MAX_KEYS = 100_000;

export class MemoryStore implements FastifyRateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (!w && this.windows.size >= MAX_KEYS) this.evict(now);
      w = { count: 0, resetAt: now + timeWindow };
      this.windows.set(key, w);
    }
    w.count++;
    callback(null, { current: w.count, ttl: w.resetAt - now });
  }

  child(): FastifyRateLimitStore {
    return new MemoryStore();
  }

  private evict(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    if (this.windows.size < MAX_KEYS) return;
    const excess = this.windows.size - MAX_KEYS + 1;
    let i = 0;
    for (const k of this.windows.keys()) {
      if (i++ >= excess) break;
      this.windows.delete(k);
    }
  }
}
