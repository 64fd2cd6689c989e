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
 *
 * Two further rules keep alerts to what a team can act on (the job applies them, they are decided here):
 *   - `explainedByTopics`: a site-wide jump is not an alert of its own when the topics alerting in the same
 *     hour explain it, i.e. the site's rate without those topics' events (observed and baseline) would not fire;
 *   - `markedlyWorse`: an incident that goes on for several hours is sent again only when an hour's Wilson lower
 *     bound is above the Wilson upper bound of the hour last sent (the same test as a jump, against what the
 *     receiver already knows rather than the baseline).
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

/**
 * Whether the site-wide counts of an hour would not fire once the events of the topics alerting in that hour
 * are taken out (from the hour and from the baseline alike): the topic alerts then say all there is to say.
 */
export function explainedByTopics(site: { observed: RateCounts; baseline: RateCounts }, alertingTopics: { observed: RateCounts; baseline: RateCounts }[], rules: AlertRules = ALERT_RULES): boolean {
  if (alertingTopics.length === 0) return false;
  const minus = (all: RateCounts, pick: (t: { observed: RateCounts; baseline: RateCounts }) => RateCounts): RateCounts => ({
    count: all.count - alertingTopics.reduce((n, t) => n + pick(t).count, 0),
    total: all.total - alertingTopics.reduce((n, t) => n + pick(t).total, 0),
  });
  return !judgeRate(minus(site.observed, (t) => t.observed), minus(site.baseline, (t) => t.baseline), rules).fire;
}

/** Whether `now` is clearly above `lastSent`: its Wilson lower bound passes the other's upper bound. */
export function markedlyWorse(now: RateCounts, lastSent: RateCounts, rules: AlertRules = ALERT_RULES): boolean {
  const low = wilsonInterval(now.count, now.total, rules.z)?.low ?? 0;
  const high = wilsonInterval(lastSent.count, lastSent.total, rules.z)?.high ?? 1;
  return low > high;
}

/**
 * The metrics' ids (stable: stored, and in the `alert.raised` payload) and what they measure. `negative_rate`
 * is Not helpful ratings / ratings only, unlike the overview's "Negatives" (which also counts escalations and
 * answers found wrong), so it is called the Not-helpful rate wherever people read it.
 */
export type AlertMetric = 'negative_rate' | 'escalation_rate';

export const METRIC_NAME: Record<AlertMetric, string> = {
  negative_rate: 'Not-helpful rate',
  escalation_rate: 'Escalation rate',
};

const METRIC_WORDS: Record<AlertMetric, { name: string; of: string }> = {
  negative_rate: { name: METRIC_NAME.negative_rate, of: 'ratings' },
  escalation_rate: { name: METRIC_NAME.escalation_rate, of: 'answers' },
};

const percent = (rate: number) => (rate > 0 && rate < 0.01 ? `${(rate * 100).toFixed(1)}%` : `${Math.round(rate * 100)}%`);
const hhmm = (d: Date) => d.toISOString().slice(11, 16);
const ordinal = (n: number) => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
};
/** The incident's first hour: its time alone on the same day, with the date otherwise. */
const sinceLabel = (start: Date, now: Date) =>
  start.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) ? hhmm(start) : `${start.toISOString().slice(0, 10)} ${hhmm(start)}`;

/**
 * The alert in plain words: metric (and topic), observed rate with its counts, window, and baseline, e.g.
 * "Not-helpful rate 38% (19 of 50 ratings) in 2026-12-05 14:00–15:00 UTC, baseline 6% (30 of 500) over the previous 7 days".
 * For a later hour of an incident (`incidentStart` before the window) it says since when:
 * "… in 2026-12-05 16:00–17:00 UTC, the 3rd hour in a row since 14:00 UTC, baseline …".
 */
export function alertMessage(a: { metric: AlertMetric; topic: string | null; windowStart: Date; windowEnd: Date; observed: RateCounts; baseline: RateCounts; baselineDays: number; incidentStart?: Date }): string {
  const words = METRIC_WORDS[a.metric];
  const subject = a.topic ? `${words.name} for topic "${a.topic}"` : words.name;
  const observedRate = a.observed.total ? a.observed.count / a.observed.total : 0;
  const baselineRate = a.baseline.total ? a.baseline.count / a.baseline.total : 0;
  const window = `${a.windowStart.toISOString().slice(0, 10)} ${hhmm(a.windowStart)}–${hhmm(a.windowEnd)} UTC`;
  const days = a.baselineDays === 1 ? 'day' : `${a.baselineDays} days`;
  const hours = a.incidentStart ? Math.round((a.windowEnd.getTime() - a.incidentStart.getTime()) / 3_600_000) : 1;
  const since = hours > 1 ? `, the ${ordinal(hours)} hour in a row since ${sinceLabel(a.incidentStart!, a.windowStart)} UTC` : '';
  return `${subject} ${percent(observedRate)} (${a.observed.count} of ${a.observed.total} ${words.of}) in ${window}${since}, baseline ${percent(baselineRate)} (${a.baseline.count} of ${a.baseline.total}) over the previous ${days}`;
}
