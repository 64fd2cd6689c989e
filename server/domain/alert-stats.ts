/**
 * When an hourly rate counts as a jump above its baseline, and how an alert says so. Pure functions; the
 * alert job (server/review/alerts.ts) feeds them counts.
 *
 * The test accounts for volume: an hour fires only when
 *   1. it has at least `minCount` events (negatives, escalations) out of at least `minTotal` (ratings, answers),
 *   2. the observed rate's 95% Wilson lower bound is above the baseline's 95% Wilson upper bound: both
 *      intervals are wide when their counts are small, so a few unlucky events cannot fire it, and
 *   3. the observed rate is at least `minLift` (5 percentage points) above the baseline rate, so that a
 *      very busy site is not alerted about a difference that is real but too small to act on.
 * A baseline with no events at all (a new site or topic) never fires: there is nothing to jump from.
 */

import { wilsonInterval } from './wilson';

export interface RateCounts {
  /** Events: negative ratings, escalations. */
  count: number;
  /** Opportunities: ratings, agent answers. */
  total: number;
}

export interface AlertRules {
  minCount: number;
  minTotal: number;
  /** z of the two-sided intervals (1.96: 95%). */
  z: number;
  minLift: number;
}

export const ALERT_RULES: AlertRules = { minCount: 5, minTotal: 20, z: 1.96, minLift: 0.05 };

export interface RateJudgement {
  fire: boolean;
  /** Why it did not fire (or 'jump' when it did), for logs and tests. */
  why: 'jump' | 'low_volume' | 'no_baseline' | 'within_baseline' | 'small_lift';
  observedRate: number;
  baselineRate: number;
  observedLow: number;
  baselineHigh: number;
}

export function judgeRate(observed: RateCounts, baseline: RateCounts, rules: AlertRules = ALERT_RULES): RateJudgement {
  const observedRate = observed.total > 0 ? observed.count / observed.total : 0;
  const baselineRate = baseline.total > 0 ? baseline.count / baseline.total : 0;
  const observedLow = (wilsonInterval(observed.count, observed.total, rules.z)?.low ?? 0);
  const baselineHigh = (wilsonInterval(baseline.count, baseline.total, rules.z)?.high ?? 1);
  const out = (fire: boolean, why: RateJudgement['why']): RateJudgement => ({ fire, why, observedRate, baselineRate, observedLow, baselineHigh });
  if (observed.count < rules.minCount || observed.total < rules.minTotal) return out(false, 'low_volume');
  if (baseline.total === 0) return out(false, 'no_baseline');
  if (observedLow <= baselineHigh) return out(false, 'within_baseline');
  if (observedRate - baselineRate < rules.minLift) return out(false, 'small_lift');
  return out(true, 'jump');
}

export type AlertMetric = 'negative_rate' | 'escalation_rate';

const METRIC_WORDS: Record<AlertMetric, { name: string; of: string }> = {
  negative_rate: { name: 'Negative rate', of: 'ratings' },
  escalation_rate: { name: 'Escalation rate', of: 'answers' },
};

const percent = (rate: number) => (rate > 0 && rate < 0.01 ? `${(rate * 100).toFixed(1)}%` : `${Math.round(rate * 100)}%`);
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/**
 * The alert in plain words: metric (and topic), observed rate with its counts, window, and baseline, e.g.
 * "Negative rate 38% (19 of 50 ratings) in 2026-12-05 14:00–15:00 UTC, baseline 6% (30 of 500) over the previous 7 days".
 */
export function alertMessage(a: { metric: AlertMetric; topic: string | null; windowStart: Date; windowEnd: Date; observed: RateCounts; baseline: RateCounts; baselineDays: number }): string {
  const words = METRIC_WORDS[a.metric];
  const subject = a.topic ? `${words.name} for topic "${a.topic}"` : words.name;
  const observedRate = a.observed.total ? a.observed.count / a.observed.total : 0;
  const baselineRate = a.baseline.total ? a.baseline.count / a.baseline.total : 0;
  const window = `${a.windowStart.toISOString().slice(0, 10)} ${hhmm(a.windowStart)}–${hhmm(a.windowEnd)} UTC`;
  const days = a.baselineDays === 1 ? 'day' : `${a.baselineDays} days`;
  return `${subject} ${percent(observedRate)} (${a.observed.count} of ${a.observed.total} ${words.of}) in ${window}, baseline ${percent(baselineRate)} (${a.baseline.count} of ${a.baseline.total}) over the previous ${days}`;
}
