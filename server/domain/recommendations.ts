/**
 * Recommendations: when a topic has earned a step up in autonomy, or must step down, said in plain words.
 *
 * Step up (one level: human_review → suggest_handoff → auto) when the evidence of the current level is large
 * and good enough: at least `stepUpMinDecisions` decisions and a 95% Wilson lower bound of the success rate of
 * at least `stepUpLowerBound`.
 *   - human_review: decisions are the drafts reviewed (decided, leaving out approvals faster than a person can
 *     read, see rubber-stamp.ts); success is "approved unedited".
 *   - suggest_handoff: decisions are the rated answers; success is "helpful". Since auto takes away the handoff
 *     offered under every answer, the share of answers not escalated must meet the same lower bound too.
 *
 * Step down (one level) when the last `stepDownWindowDays` are significantly worse than the rest of the
 * record window: a one-sided two-proportion z-test (pooled), significant at p < 0.05, on the helpful rate
 * (a fall) and on the escalation rate (a rise), run only when each period has at least `STEP_DOWN_MIN_N`
 * observations so that the normal approximation holds. Or when a topic whose failure cost is high answers
 * automatically with no record at all (no rated answer, no reviewed draft): it goes to human_review, the
 * level that builds a record without risking a wrong answer reaching a user.
 */
import type { Autonomy, FailureCost, RateWithInterval, TrustRecommendation, TrustSettings } from '../../shared/trust';
import { wilsonInterval } from './wilson';

/** Fewest observations in each period (recent and before) for the step-down test. */
export const STEP_DOWN_MIN_N = 30;
/** Significance level of the one-sided step-down test. */
export const STEP_DOWN_ALPHA = 0.05;

/** Counts over one period, for one topic. */
export interface RecordCounts {
  answers: number;
  rated: number;
  helpful: number;
  escalations: number;
  /** Escalations resolved with an outcome, and of them those resolved `agent_was_wrong`. */
  resolved: number;
  wrong: number;
  approved: number;
  /** Approvals (unedited) faster than reading time: in `approved` too. */
  approvedTooFast: number;
  edited: number;
  rejected: number;
}

export const emptyCounts = (): RecordCounts => ({
  answers: 0, rated: 0, helpful: 0, escalations: 0, resolved: 0, wrong: 0, approved: 0, approvedTooFast: 0, edited: 0, rejected: 0,
});

/** Decided drafts (every decision, raw). */
export const decidedOf = (c: RecordCounts) => c.approved + c.edited + c.rejected;
/** Drafts that count as reviewed: decided, without the too-fast approvals. */
export const reviewedOf = (c: RecordCounts) => decidedOf(c) - c.approvedTooFast;
/** Approvals unedited that count as reviewed. */
export const reviewedApprovalsOf = (c: RecordCounts) => c.approved - c.approvedTooFast;

/** A proportion with its 95% Wilson interval. */
export function rateOf(successes: number, n: number): RateWithInterval {
  const interval = wilsonInterval(successes, n);
  return { successes, n, rate: n > 0 ? successes / n : null, low: interval?.low ?? null, high: interval?.high ?? null };
}

// ---- statistics

/** Standard normal CDF (Zelen and Severo, Abramowitz and Stegun 26.2.17: absolute error < 7.5e-8). */
export function normalCdf(z: number): number {
  const x = Math.abs(z);
  const t = 1 / (1 + 0.2316419 * x);
  const density = Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const tail = density * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z >= 0 ? 1 - tail : tail;
}

/**
 * One-sided two-proportion z-test (pooled) that the recent rate is lower than the rate before:
 * z = (p_before − p_recent) / √(p̄(1 − p̄)(1/n_before + 1/n_recent)), p = 1 − Φ(z). Null when either period
 * has fewer than `minN` observations or the pooled rate is 0 or 1 (no variation to test).
 */
export function decreaseTest(
  beforeSuccesses: number,
  beforeN: number,
  recentSuccesses: number,
  recentN: number,
  minN = STEP_DOWN_MIN_N,
): { z: number; p: number } | null {
  if (beforeN < minN || recentN < minN) return null;
  const pooled = (beforeSuccesses + recentSuccesses) / (beforeN + recentN);
  const variance = pooled * (1 - pooled) * (1 / beforeN + 1 / recentN);
  if (variance <= 0) return null;
  const z = (beforeSuccesses / beforeN - recentSuccesses / recentN) / Math.sqrt(variance);
  return { z, p: 1 - normalCdf(z) };
}

// ---- words

/** 0.9757 → "97.6%". */
export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
/** 0.95 → "95%", 0.975 → "97.5%": thresholds as an admin set them. */
const thresholdPercent = (x: number) => `${Number((x * 100).toFixed(1))}%`;
/** "(95% CI 95.6–98.7%)". */
export const ciText = (r: RateWithInterval) => (r.low === null || r.high === null ? '' : ` (95% CI ${(r.low * 100).toFixed(1)}–${percent(r.high)})`);
/** 1204 → "1,204". */
export const count = (n: number) => n.toLocaleString('en-US');
/** "p = 0.003", or "p < 0.001". */
export const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);
/** A topic's name as the start of a sentence: "refunds" → "Refunds". */
export const sentenceLabel = (label: string) => label.charAt(0).toUpperCase() + label.slice(1);
const days = (n: number) => (n === 1 ? 'day' : `${n} days`);

const UP: Partial<Record<Autonomy, Autonomy>> = { human_review: 'suggest_handoff', suggest_handoff: 'auto' };
const DOWN: Partial<Record<Autonomy, Autonomy>> = { auto: 'suggest_handoff', suggest_handoff: 'human_review' };

export interface RecommendInput {
  /** The topic's name as shown. */
  label: string;
  autonomy: Autonomy;
  failureCost: FailureCost | null;
  /** The whole window, its last `stepDownWindowDays`, and the days before them. */
  total: RecordCounts;
  recent: RecordCounts;
  before: RecordCounts;
  settings: Pick<TrustSettings, 'stepUpMinDecisions' | 'stepUpLowerBound' | 'stepDownWindowDays' | 'recordWindowDays'>;
}

export interface RecommendOutput {
  recommendation: TrustRecommendation | null;
  /** The evidence for the current level and what a step up still needs, in plain words. */
  status: string;
}

/** The step down a worsening record calls for, if any (the most significant of the tests). */
function stepDown(input: RecommendInput, name: string): TrustRecommendation | null {
  const { autonomy, recent, before, total, settings } = input;
  const to = DOWN[autonomy];
  if (!to) return null;
  if (input.failureCost === 'high' && autonomy === 'auto' && total.rated === 0 && reviewedOf(total) === 0) {
    return {
      kind: 'step_down',
      from: autonomy,
      to: 'human_review',
      text: `${name}: failure cost is high and it answers automatically with no record in the last ${days(settings.recordWindowDays)}. Step down to human_review.`,
    };
  }
  const window = days(settings.stepDownWindowDays);
  const found: { p: number; text: string }[] = [];
  const helpful = decreaseTest(before.helpful, before.rated, recent.helpful, recent.rated);
  if (helpful && helpful.p < STEP_DOWN_ALPHA) {
    found.push({
      p: helpful.p,
      text: `${name}: helpful rate fell from ${percent(before.helpful / before.rated)} to ${percent(recent.helpful / recent.rated)} over the last ${window} (${pText(helpful.p)}). Step down to ${to}.`,
    });
  }
  // A rise of the escalation rate is a fall of the share of answers not escalated.
  const escalation = decreaseTest(before.answers - before.escalations, before.answers, recent.answers - recent.escalations, recent.answers);
  if (escalation && escalation.p < STEP_DOWN_ALPHA) {
    found.push({
      p: escalation.p,
      text: `${name}: escalation rate rose from ${percent(before.escalations / before.answers)} to ${percent(recent.escalations / recent.answers)} over the last ${window} (${pText(escalation.p)}). Step down to ${to}.`,
    });
  }
  const worst = found.sort((a, b) => a.p - b.p)[0];
  return worst ? { kind: 'step_down', from: autonomy, to, text: worst.text } : null;
}

/** The recommendation for one topic (a step down before a step up) and its status line. */
export function recommend(input: RecommendInput): RecommendOutput {
  const { autonomy, total, settings } = input;
  const name = sentenceLabel(input.label);
  const down = stepDown(input, name);
  const needs = `Step up needs ${count(settings.stepUpMinDecisions)} or more with a 95% lower bound of at least ${thresholdPercent(settings.stepUpLowerBound)}.`;
  const eligible = (r: RateWithInterval) => r.n >= settings.stepUpMinDecisions && r.low !== null && r.low >= settings.stepUpLowerBound;

  if (autonomy === 'human_review') {
    const reviewed = rateOf(reviewedApprovalsOf(total), reviewedOf(total));
    const evidence =
      reviewed.n === 0
        ? `${name}: no drafts reviewed in the last ${days(settings.recordWindowDays)}.`
        : `${name}: ${count(reviewed.n)} drafts reviewed, ${percent(reviewed.rate!)} approved unedited${ciText(reviewed)}.`;
    if (!down && eligible(reviewed)) {
      return { recommendation: { kind: 'step_up', from: autonomy, to: 'suggest_handoff', text: `${evidence} Eligible for suggest_handoff.` }, status: evidence };
    }
    return { recommendation: down, status: `${evidence} ${needs}` };
  }

  const helpful = rateOf(total.helpful, total.rated);
  const evidence =
    helpful.n === 0
      ? `${name}: no rated answers in the last ${days(settings.recordWindowDays)}.`
      : `${name}: ${count(helpful.n)} answers rated, ${percent(helpful.rate!)} helpful${ciText(helpful)}.`;
  if (autonomy === 'auto') return { recommendation: down, status: `${evidence} Automatic is the highest level.` };

  // suggest_handoff → auto: helpful enough, and few enough answers escalated.
  const kept = rateOf(total.answers - total.escalations, total.answers);
  const escalationText = total.answers > 0 ? ` ${percent(total.escalations / total.answers)} of ${count(total.answers)} answers escalated.` : '';
  if (!down && eligible(helpful) && kept.low !== null && kept.low >= settings.stepUpLowerBound) {
    return {
      recommendation: { kind: 'step_up', from: autonomy, to: 'auto', text: `${evidence}${escalationText} Eligible for auto.` },
      status: `${evidence}${escalationText}`,
    };
  }
  const escalationNeeds =
    eligible(helpful) && total.answers > 0
      ? ` Too many answers escalated: the 95% lower bound of answers not escalated is ${percent(kept.low ?? 0)}, below ${thresholdPercent(settings.stepUpLowerBound)}.`
      : '';
  return { recommendation: down, status: `${evidence}${escalationText} ${needs}${escalationNeeds}` };
}
