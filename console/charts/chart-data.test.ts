import { describe, expect, it } from 'vitest';
import type { CalibrationBin, SeriesPoint } from '../../shared/review';
import { modeSeries, rateSeries, reliabilitySeries } from './chart-data';

const point = (t: string, over: Partial<SeriesPoint> = {}): SeriesPoint => ({ t, answers: 0, helpful: 0, notHelpful: 0, escalations: 0, negatives: 0, byMode: {}, ...over });

describe('chart data', () => {
  it('should plot one line per failure mode that occurs, in Review order, with zeros where it did not', () => {
    const chart = modeSeries([point('2026-12-05T10:00:00Z', { byMode: { hallucination: 2 } }), point('2026-12-05T11:00:00Z', { byMode: { tool_failure: 3, hallucination: 1 } })]);
    expect(chart.series.map((s) => s.label)).toEqual(['Tool failure', 'Hallucination under uncertainty']);
    expect(chart.data).toEqual([[Date.parse('2026-12-05T10:00:00Z') / 1000, Date.parse('2026-12-05T11:00:00Z') / 1000], [0, 3], [2, 1]]);
  });

  it('should plot negatives and escalations per answer per bucket, and nothing for a bucket without answers', () => {
    // 1 Not helpful + 2 escalations + 1 agent_was_wrong = 4 negatives of 10 answers (the Not-helpful rate would be 25%).
    const chart = rateSeries([point('2026-12-05T10:00:00Z', { answers: 10, helpful: 3, notHelpful: 1, escalations: 2, negatives: 4 }), point('2026-12-05T11:00:00Z')]);
    expect(chart.series.map((s) => s.label)).toEqual(['Negative rate (negative cases per answer)', 'Escalation rate (per answer)']);
    expect(chart.data.slice(1)).toEqual([
      [0.4, null],
      [0.2, null],
    ]);
  });

  it('should plot each filled bin at its mean confidence against its helpful rate, with the diagonal through 0 and 1', () => {
    const bin = (lo: number, count: number, mean: number | null, rate: number | null): CalibrationBin => ({ lo, hi: lo + 0.1, count, meanConfidence: mean, helpfulRate: rate, ciLow: rate == null ? null : rate - 0.1, ciHigh: rate == null ? null : rate + 0.1 });
    const { data, points } = reliabilitySeries([bin(0.9, 20, 0.93, 0.6), bin(0.2, 5, 0.25, 0.4), bin(0.5, 0, null, null)]);
    expect(data[0]).toEqual([0, 0.25, 0.93, 1]);
    expect(data[1]).toEqual([0, 0.25, 0.93, 1]);
    expect(data[2]).toEqual([null, 0.4, 0.6, null]);
    expect(points.map((p) => p.count)).toEqual([5, 20]);
  });
});
