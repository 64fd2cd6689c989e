import { describe, expect, it } from 'vitest';
import { aggregatePoints, binIndex, calibrationBins, calibrationStats } from './calibration';

const points = (spec: [confidence: number, helpful: boolean][]) => spec.map(([confidence, helpful]) => ({ confidence, helpful }));

describe('binIndex', () => {
  it.each([
    [0, 0],
    [0.05, 0],
    [0.1, 1],
    [0.7, 7],
    [Math.fround(0.7), 7],
    [Math.fround(0.3), 3],
    [0.999, 9],
    [1, 9],
  ])('should put %d in bin %d', (confidence, bin) => {
    expect(binIndex(confidence)).toBe(bin);
  });
});

describe('calibrationStats', () => {
  it('should be 0 ECE for a bin whose helpful rate equals its confidence, with Brier by hand', () => {
    const aggs = aggregatePoints(points([[0.8, true], [0.8, true], [0.8, true], [0.8, true], [0.8, false]]), 0.8);
    const stats = calibrationStats(aggs);
    expect(stats.n).toBe(5);
    expect(stats.ece).toBeCloseTo(0, 12);
    // (4 · 0.2² + 0.8²) / 5 = (0.16 + 0.64) / 5
    expect(stats.brier).toBeCloseTo(0.16, 12);
    expect(stats.highAnswers).toBe(5);
    expect(stats.falseConfidentRate).toBeCloseTo(0.2, 12);
  });

  it('should weight each bin by its count in ECE', () => {
    // Bin 9: 0.9, 0.9, 1.0 all not helpful → |0.9333 − 0| · 3/4; bin 2: 0.2 helpful → |0.2 − 1| · 1/4.
    const aggs = aggregatePoints(points([[0.9, false], [0.9, false], [1, false], [0.2, true]]), 0.8);
    const stats = calibrationStats(aggs);
    expect(stats.ece).toBeCloseTo((3 / 4) * (2.8 / 3) + (1 / 4) * 0.8, 12);
    expect(stats.brier).toBeCloseTo((0.81 + 0.81 + 1 + 0.64) / 4, 12);
    expect(stats.falseConfidentRate).toBe(1);
  });

  it('should count High from the threshold inclusive', () => {
    const aggs = aggregatePoints(points([[0.79, false], [0.8, false], [0.95, true]]), 0.8);
    expect(calibrationStats(aggs)).toMatchObject({ highAnswers: 2, falseConfidentRate: 0.5 });
  });

  it('should report nothing for no rated answers', () => {
    expect(calibrationStats([])).toEqual({ n: 0, ece: null, brier: null, falseConfidentRate: null, highAnswers: 0 });
  });
});

describe('calibrationBins', () => {
  it('should return ten bins with empty ones null and the last including 1', () => {
    const bins = calibrationBins(aggregatePoints(points([[1, true], [0.95, false], [0.05, true]]), 0.8));
    expect(bins).toHaveLength(10);
    expect(bins[9]).toMatchObject({ lo: 0.9, hi: 1, count: 2, helpfulRate: 0.5 });
    expect(bins[9]!.meanConfidence).toBeCloseTo(0.975, 12);
    expect(bins[0]).toMatchObject({ lo: 0, hi: 0.1, count: 1, helpfulRate: 1 });
    expect(bins[0]!.ciLow).toBeCloseTo(0.2065, 4);
    expect(bins[5]).toEqual({ lo: 0.5, hi: 0.6, count: 0, meanConfidence: null, helpfulRate: null, ciLow: null, ciHigh: null });
  });
});
