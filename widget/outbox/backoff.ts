/**
 * Retry delays with "decorrelated jitter" (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * each delay is random between the base and three times the previous one, capped. Unlike full jitter it
 * never retries almost at once, and it still spreads many widgets apart after an outage.
 */

/** First retry after about a second. */
export const BACKOFF_BASE_MS = 1000;
/** Never wait more than five minutes between tries. */
export const BACKOFF_CAP_MS = 5 * 60_000;

export interface Backoff {
  /** The next delay in ms; each call grows the range. */
  next(): number;
  reset(): void;
}

export function createBackoff(random: () => number = Math.random, base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS): Backoff {
  let prev = base;
  return {
    next: () => (prev = Math.min(cap, base + random() * (prev * 3 - base))),
    reset: () => void (prev = base),
  };
}

/** Wait before a suspect's next try alone after its `tries`-th failure: about 3^tries seconds, jittered, capped. */
export const suspectDelay = (tries: number, random: () => number = Math.random): number =>
  Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 3 ** tries) * (0.5 + random() / 2);
