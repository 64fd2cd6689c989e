/**
 * Calibration maths for Review: does a stated confidence of 0.8 mean the answer helps 8 times in 10?
 * Pure functions over per-bin aggregates, so the database sums and this module only divides: the same
 * code serves 20 ratings in a test and a million in production.
 */
import type { CalibrationBin, CalibrationStats } from '../../shared/review';
import { wilsonInterval } from './wilson';

/** Ten equal bins of stated confidence: [0, 0.1), …, [0.9, 1]. */
export const BIN_COUNT = 10;

/** z for a two-sided 95% interval. */

/** Sums over the rated answers whose confidence falls in one bin (what the SQL returns per bin). */
export interface BinAggregate {
  /** 0 … BIN_COUNT − 1. */
  bin: number;
  count: number;
  sumConfidence: number;
  /** Ratings that were Helpful. */
  helpful: number;
  /** Σ (confidence − outcome)², outcome 1 for Helpful and 0 for Not helpful. */
  sumSquaredError: number;
  /** Answers at or above the site's High threshold, and those of them rated Not helpful. */
  high: number;
  highNotHelpful: number;
}

/** One rated answer: its stated confidence and whether it was rated Helpful. */
export interface RatedPoint {
  confidence: number;
  helpful: boolean;
}

/**
 * The bin of a confidence. Rounded to 6 decimals first so that 0.7 (stored as float4 0.69999999)
 * lands in [0.7, 0.8) as a person would expect; 1.0 belongs to the last bin.
 */
export function binIndex(confidence: number): number {
  const scaled = Math.round(confidence * BIN_COUNT * 1e6) / 1e6;
  return Math.max(0, Math.min(BIN_COUNT - 1, Math.floor(scaled)));
}

/** Folds rated points into bin aggregates (the in-memory twin of the calibration SQL, for tests and small sets). */
export function aggregatePoints(points: RatedPoint[], highThreshold: number): BinAggregate[] {
  const bins = new Map<number, BinAggregate>();
  for (const p of points) {
    const bin = binIndex(p.confidence);
    const agg = bins.get(bin) ?? { bin, count: 0, sumConfidence: 0, helpful: 0, sumSquaredError: 0, high: 0, highNotHelpful: 0 };
    const y = p.helpful ? 1 : 0;
    agg.count += 1;
    agg.sumConfidence += p.confidence;
    agg.helpful += y;
    agg.sumSquaredError += (p.confidence - y) ** 2;
    if (p.confidence >= highThreshold) {
      agg.high += 1;
      if (!p.helpful) agg.highNotHelpful += 1;
    }
    bins.set(bin, agg);
  }
  return [...bins.values()].sort((a, b) => a.bin - b.bin);
}

/** The ten bins, empty ones included (count 0, rates null), each with its Wilson interval. */
export function calibrationBins(aggregates: BinAggregate[]): CalibrationBin[] {
  const byBin = new Map(aggregates.map((a) => [a.bin, a]));
  return Array.from({ length: BIN_COUNT }, (_, bin) => {
    const a = byBin.get(bin);
    const lo = bin / BIN_COUNT;
    const hi = (bin + 1) / BIN_COUNT;
    if (!a || a.count === 0) return { lo, hi, count: 0, meanConfidence: null, helpfulRate: null, ciLow: null, ciHigh: null };
    const ci = wilsonInterval(a.helpful, a.count)!;
    return { lo, hi, count: a.count, meanConfidence: a.sumConfidence / a.count, helpfulRate: a.helpful / a.count, ciLow: ci.low, ciHigh: ci.high };
  });
}

/**
 * ECE = Σ_b (n_b / N) · |mean confidence_b − helpful rate_b|; Brier = mean (c − y)²; false-confident
 * rate = Not helpful among answers at or above the High threshold. Null where there is nothing to measure.
 */
export function calibrationStats(aggregates: BinAggregate[]): CalibrationStats {
  let n = 0;
  let sumSquaredError = 0;
  let high = 0;
  let highNotHelpful = 0;
  for (const a of aggregates) {
    n += a.count;
    sumSquaredError += a.sumSquaredError;
    high += a.high;
    highNotHelpful += a.highNotHelpful;
  }
  let ece = 0;
  for (const a of aggregates) if (a.count > 0) ece += (a.count / n) * Math.abs(a.sumConfidence / a.count - a.helpful / a.count);
  return {
    n,
    ece: n > 0 ? ece : null,
    brier: n > 0 ? sumSquaredError / n : null,
    falseConfidentRate: high > 0 ? highNotHelpful / high : null,
    highAnswers: high,
  };
}

/** Sums aggregates of the same bin (finer groups, e.g. per topic and release, into coarser ones). */
export function mergeBins(aggregates: Iterable<BinAggregate>): BinAggregate[] {
  const bins = new Map<number, BinAggregate>();
  for (const a of aggregates) {
    const m = bins.get(a.bin);
    if (!m) bins.set(a.bin, { ...a });
    else {
      m.count += a.count;
      m.sumConfidence += a.sumConfidence;
      m.helpful += a.helpful;
      m.sumSquaredError += a.sumSquaredError;
      m.high += a.high;
      m.highNotHelpful += a.highNotHelpful;
    }
  }
  return [...bins.values()].sort((a, b) => a.bin - b.bin);
}
