/**
 * Calibrated badges: badge thresholds chosen from a site's own outcomes, so that "High confidence" means
 * an observed helpful rate of at least a target with stated statistical confidence. Pure functions over
 * rated answers folded into confidence bins of 0.01 (at most 101 rows, whatever the volume).
 *
 * The rules:
 * - **Curve**: isotonic regression (pool-adjacent-violators, weighted by answers) of the helpful rate on
 *   stated confidence: the best fit that never goes down as confidence goes up.
 * - **High**: the lowest observed confidence t such that the one-sided Wilson lower bound (at
 *   `confidence`, e.g. 95%) of the helpful rate among answers with confidence ≥ t is at least `target`.
 *   Candidates are observed confidences: a threshold between two of them would select the same answers,
 *   and an observed value is never extrapolated below the data. When no t meets the target, High is 1
 *   (`targetMet: false`): no answer below perfect confidence earns the High badge.
 * - **Low**: the lowest observed confidence at which the fitted curve reaches LOW_TARGET (60%), so every
 *   answer below it belonged to a band helpful less than 60% of the time; capped at High. When even the
 *   lowest observed confidence is helpful 60% of the time, the fixed Low is kept (capped at High): there is
 *   no evidence for a Low band, and none against the configured one below the data.
 * - **Enough data**: no fit (null) below `minSamples` rated answers.
 */
import type { BadgeThresholds } from '../../shared/confidence';
import { wilsonInterval } from './wilson';

/** The fitted curve's helpful rate below which answers get the Low badge. */
export const LOW_TARGET = 0.6;
/** Confidence bins are this wide (thresholds land on these steps). */
export const BIN_STEP = 0.01;

/** Rated answers at one stated confidence (a bin of width BIN_STEP). */
export interface ConfidenceBin {
  confidence: number;
  n: number;
  helpful: number;
}

/** One point of the fitted monotone curve (as stored in `calibrated_thresholds.curve`). */
export interface CurvePoint {
  confidence: number;
  helpfulRate: number;
  n: number;
}

export interface FitOptions {
  /** The helpful rate "High confidence" must mean (e.g. 0.9). */
  target: number;
  /** One-sided confidence of the lower bound (e.g. 0.95). */
  confidence: number;
  /** Rated answers needed for a fit. */
  minSamples: number;
  /** The site's fixed thresholds (Low falls back to them). */
  fixed: BadgeThresholds;
}

export interface ThresholdFit extends BadgeThresholds {
  samples: number;
  curve: CurvePoint[];
  /** Whether some threshold met the target (else High is 1). */
  targetMet: boolean;
  /** The Wilson lower bound of the helpful rate at and above High (null when the target was not met). */
  highLowerBound: number | null;
  /** Whether Low came from the data (else the fixed Low, capped at High). */
  lowFromData: boolean;
}

/** The bin of a stated confidence: rounded to 0.01, so a float4 0.69999999 is 0.7 as a person reads it. */
export function binOf(confidence: number): number {
  return Math.round(Math.min(1, Math.max(0, confidence)) * 100) / 100;
}

/** Folds rated answers into bins, ordered by confidence (the in-memory twin of the refit's SQL). */
export function binRated(points: { confidence: number; helpful: boolean }[]): ConfidenceBin[] {
  const bins = new Map<number, ConfidenceBin>();
  for (const p of points) {
    const c = binOf(p.confidence);
    const bin = bins.get(c) ?? { confidence: c, n: 0, helpful: 0 };
    bin.n += 1;
    if (p.helpful) bin.helpful += 1;
    bins.set(c, bin);
  }
  return [...bins.values()].sort((a, b) => a.confidence - b.confidence);
}

/**
 * The z of a one-sided bound at `confidence` (the standard normal quantile), by Acklam's rational
 * approximation (relative error below 1.2e-9): 0.95 → 1.6449, 0.975 → 1.9600.
 */
export function oneSidedZ(confidence: number): number {
  const p = confidence;
  if (!(p > 0 && p < 1)) throw new RangeError('confidence must be strictly between 0 and 1');
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Isotonic regression by pool-adjacent-violators: each bin gets the helpful rate of the pooled block it
 * ends up in, weighted by answers, so the curve never decreases with confidence.
 */
export function isotonicCurve(bins: ConfidenceBin[]): CurvePoint[] {
  const sorted = bins.filter((b) => b.n > 0).sort((a, b) => a.confidence - b.confidence);
  // Blocks on a stack: pooled helpful count, answers, and how many bins each covers.
  const blocks: { helpful: number; n: number; bins: number }[] = [];
  for (const bin of sorted) {
    blocks.push({ helpful: bin.helpful, n: bin.n, bins: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      if (prev.helpful / prev.n <= last.helpful / last.n) break;
      blocks.pop();
      prev.helpful += last.helpful;
      prev.n += last.n;
      prev.bins += last.bins;
    }
  }
  const curve: CurvePoint[] = [];
  let i = 0;
  for (const block of blocks) {
    for (let k = 0; k < block.bins; k++, i++) curve.push({ confidence: sorted[i]!.confidence, helpfulRate: block.helpful / block.n, n: sorted[i]!.n });
  }
  return curve;
}

/** The fitted thresholds (rules in this module's header), or null with fewer than `minSamples` rated answers. */
export function fitThresholds(bins: ConfidenceBin[], opts: FitOptions): ThresholdFit | null {
  const sorted = bins.filter((b) => b.n > 0).sort((a, b) => a.confidence - b.confidence);
  const samples = sorted.reduce((s, b) => s + b.n, 0);
  if (samples < opts.minSamples || samples === 0) return null;
  const z = oneSidedZ(opts.confidence);

  // High: scan candidates from the top, keeping suffix sums; the lowest passing one wins.
  let high = 1;
  let highLowerBound: number | null = null;
  let n = 0;
  let helpful = 0;
  for (let i = sorted.length - 1; i >= 0; i--) {
    n += sorted[i]!.n;
    helpful += sorted[i]!.helpful;
    const bound = wilsonInterval(helpful, n, z)!.low;
    if (bound >= opts.target) {
      high = sorted[i]!.confidence;
      highLowerBound = bound;
    }
  }

  const curve = isotonicCurve(sorted);
  const firstGood = curve.findIndex((p) => p.helpfulRate >= LOW_TARGET);
  let low: number;
  let lowFromData = true;
  if (firstGood === -1) low = high; // never 60% helpful: everything below High is Low
  else if (firstGood === 0) {
    low = opts.fixed.low;
    lowFromData = false;
  } else low = curve[firstGood]!.confidence;
  low = Math.min(low, high);
  return { high, low, samples, curve, targetMet: highLowerBound !== null, highLowerBound, lowFromData };
}

/**
 * Fits per topic and site-wide from bins tagged with their topic ('' or null: no topic). The site-wide fit
 * uses every answer; a topic gets its own only when it alone has `minSamples`.
 */
export function fitSiteThresholds(
  rows: (ConfidenceBin & { topic: string | null })[],
  opts: FitOptions,
): { site: ThresholdFit | null; topics: Record<string, ThresholdFit> } {
  const all = new Map<number, ConfidenceBin>();
  const byTopic = new Map<string, ConfidenceBin[]>();
  for (const r of rows) {
    const merged = all.get(r.confidence) ?? { confidence: r.confidence, n: 0, helpful: 0 };
    merged.n += r.n;
    merged.helpful += r.helpful;
    all.set(r.confidence, merged);
    if (r.topic) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ confidence: r.confidence, n: r.n, helpful: r.helpful });
      byTopic.set(r.topic, list);
    }
  }
  const topics: Record<string, ThresholdFit> = {};
  for (const [topic, bins] of byTopic) {
    const fit = fitThresholds(bins, opts);
    if (fit) topics[topic] = fit;
  }
  return { site: fitThresholds([...all.values()], opts), topics };
}
