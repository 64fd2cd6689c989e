import { describe, expect, it } from 'vitest';
import { binOf, binRated, fitSiteThresholds, fitThresholds, isotonicCurve, oneSidedZ, type ConfidenceBin } from './calibrated-thresholds';

const fixed = { high: 0.8, low: 0.5 };
const opts = { target: 0.85, confidence: 0.95, minSamples: 20, fixed };

/**
 * 70 rated answers: 0.3 → 4 of 20 helpful, 0.5 → 4/10, 0.65 → 7/10, 0.8 → 9/10, 0.95 → 20/20.
 * One-sided 95% Wilson lower bounds (z = 1.6449, z² = 2.7055) of the answers at or above each candidate:
 *   ≥ 0.95: 20/20, all helpful, so the bound is n / (n + z²) = 20 / 22.7055 = 0.8808 (≥ 0.85)
 *   ≥ 0.80: 29/30, p = 0.9667: centre (p + z²/2n) / (1 + z²/n) = 1.01176 / 1.09018 = 0.92807,
 *           margin z·√(p(1−p)/n + z²/4n²) / (1 + z²/n) = 1.6449 · 0.042727 / 1.09018 = 0.06447 → 0.8636 (≥ 0.85)
 *   ≥ 0.65: 36/40, p = 0.9: centre 0.93382 / 1.06764 = 0.87465, margin 1.6449 · 0.051698 / 1.06764 = 0.07965 → 0.7950 (< 0.85)
 */
const fixture: ConfidenceBin[] = [
  { confidence: 0.3, n: 20, helpful: 4 },
  { confidence: 0.5, n: 10, helpful: 4 },
  { confidence: 0.65, n: 10, helpful: 7 },
  { confidence: 0.8, n: 10, helpful: 9 },
  { confidence: 0.95, n: 20, helpful: 20 },
];

describe('oneSidedZ', () => {
  it('should give the normal quantiles 1.6449 at 95% and 1.9600 at 97.5%', () => {
    expect(oneSidedZ(0.95)).toBeCloseTo(1.644854, 5);
    expect(oneSidedZ(0.975)).toBeCloseTo(1.959964, 5);
    expect(oneSidedZ(0.999)).toBeCloseTo(3.090232, 5);
  });
});

describe('binRated', () => {
  it('should fold answers into 0.01 bins, reading a float4 0.69999999 as 0.7', () => {
    expect(binOf(0.69999999)).toBe(0.7);
    expect(binRated([{ confidence: 0.69999999, helpful: true }, { confidence: 0.7, helpful: false }, { confidence: 0.2, helpful: true }])).toEqual([
      { confidence: 0.2, n: 1, helpful: 1 },
      { confidence: 0.7, n: 2, helpful: 1 },
    ]);
  });
});

describe('isotonicCurve', () => {
  it('should pool adjacent violators, weighted by answers', () => {
    // 2/4 then 1/4 go down: pooled to 3/8 = 0.375 each; 3/4 stays.
    const curve = isotonicCurve([
      { confidence: 0.2, n: 4, helpful: 2 },
      { confidence: 0.4, n: 4, helpful: 1 },
      { confidence: 0.6, n: 4, helpful: 3 },
    ]);
    expect(curve).toEqual([
      { confidence: 0.2, helpfulRate: 0.375, n: 4 },
      { confidence: 0.4, helpfulRate: 0.375, n: 4 },
      { confidence: 0.6, helpfulRate: 0.75, n: 4 },
    ]);
  });

  it('should pool back across several blocks when a late bin is low', () => {
    // 1/2, 2/2, then 0/2: 2/2 and 0/2 pool to 0.5, which ties with 1/2 (no further pooling needed).
    const curve = isotonicCurve([
      { confidence: 0.1, n: 2, helpful: 1 },
      { confidence: 0.5, n: 2, helpful: 2 },
      { confidence: 0.9, n: 2, helpful: 0 },
    ]);
    expect(curve.map((p) => p.helpfulRate)).toEqual([0.5, 0.5, 0.5]);
  });

  it('should keep an already monotone curve as observed', () => {
    expect(isotonicCurve(fixture).map((p) => p.helpfulRate)).toEqual([0.2, 0.4, 0.7, 0.9, 1]);
  });
});

describe('fitThresholds', () => {
  it('should choose the lowest confidence whose lower bound above it meets the target', () => {
    const fit = fitThresholds(fixture, opts)!;
    expect(fit.high).toBe(0.8);
    expect(fit.highLowerBound).toBeCloseTo(0.8636, 4);
    expect(fit.targetMet).toBe(true);
    expect(fit.samples).toBe(70);
  });

  it('should put Low where the fitted curve first reaches 60%', () => {
    const fit = fitThresholds(fixture, opts)!;
    expect(fit.low).toBe(0.65);
    expect(fit.lowFromData).toBe(true);
  });

  it('should set High to 1 when no threshold meets the target', () => {
    // At a 90% target even 20 of 20 is not enough: 0.8808 < 0.9.
    const fit = fitThresholds(fixture, { ...opts, target: 0.9 })!;
    expect(fit.high).toBe(1);
    expect(fit.targetMet).toBe(false);
    expect(fit.highLowerBound).toBeNull();
    expect(fit.low).toBe(0.65);
  });

  it('should keep the fixed Low when even the lowest confidence is helpful 60% of the time', () => {
    const fit = fitThresholds([{ confidence: 0.4, n: 10, helpful: 7 }, { confidence: 0.95, n: 20, helpful: 20 }], opts)!;
    expect(fit.high).toBe(0.95);
    expect(fit.low).toBe(0.5);
    expect(fit.lowFromData).toBe(false);
  });

  it('should cap Low at High', () => {
    const fit = fitThresholds([{ confidence: 0.4, n: 10, helpful: 7 }, { confidence: 0.45, n: 40, helpful: 40 }], opts)!;
    expect(fit.high).toBe(0.4);
    expect(fit.low).toBe(0.4);
  });

  it('should make everything below High Low when the curve never reaches 60%', () => {
    const fit = fitThresholds([{ confidence: 0.5, n: 30, helpful: 3 }, { confidence: 0.9, n: 30, helpful: 12 }], opts)!;
    expect(fit.targetMet).toBe(false);
    expect(fit.low).toBe(1);
  });

  it('should not fit below the minimum number of rated answers', () => {
    expect(fitThresholds(fixture, { ...opts, minSamples: 71 })).toBeNull();
    expect(fitThresholds(fixture, { ...opts, minSamples: 70 })).not.toBeNull();
    expect(fitThresholds([], { ...opts, minSamples: 0 })).toBeNull();
  });
});

describe('fitSiteThresholds', () => {
  it('should fit a topic only when it alone has enough answers, and the site on all of them', () => {
    const rows = [
      ...fixture.map((b) => ({ ...b, topic: 'refunds' })),
      { confidence: 0.95, n: 10, helpful: 0, topic: 'billing' },
      { confidence: 0.3, n: 5, helpful: 5, topic: null },
    ];
    const { site, topics } = fitSiteThresholds(rows, opts);
    expect(Object.keys(topics)).toEqual(['refunds']);
    expect(topics.refunds!.high).toBe(0.8);
    expect(site!.samples).toBe(85);
    // Site-wide, 0.95 is 20 of 30 helpful: no threshold reaches 85%.
    expect(site!.targetMet).toBe(false);
  });
});
