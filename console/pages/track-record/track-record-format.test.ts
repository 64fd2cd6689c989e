import { describe, expect, it } from 'vitest';
import type { RateWithInterval, TopicRecord } from '../../../shared/trust';
import { metricRows, rateText, weeklySeries } from './track-record-format';

const rate = (successes: number, n: number, low: number | null = null, high: number | null = null): RateWithInterval => ({
  successes, n, rate: n ? successes / n : null, low, high,
});

const topic: TopicRecord = {
  topic: 'refunds', label: 'refunds', scope: 'topic', defined: true, autonomy: 'human_review', failureCost: 'high', criterion: null,
  volume: 1204,
  helpful: rate(0, 0),
  approvedRaw: rate(440, 450, 0.96, 0.99),
  approvedReviewed: rate(402, 412, 0.9559033, 0.9867636),
  edited: rate(6, 450), rejected: rate(4, 450), escalated: rate(0, 1204), agentWasWrong: rate(0, 0),
  tooFastApprovals: 38,
  weeks: [
    { start: '2026-11-28T00:00:00.000Z', answers: 0, helpful: 0, rated: 0, escalations: 0, reviewed: 0, reviewedApprovals: 0 },
    { start: '2026-12-05T00:00:00.000Z', answers: 10, helpful: 3, rated: 4, escalations: 1, reviewed: 5, reviewedApprovals: 4 },
  ],
  recommendation: null, status: null,
};

describe('track record words and chart data', () => {
  it('should show a rate as "97.6% (95.6–98.7%) of 412", and "No data" without observations', () => {
    expect(rateText(topic.approvedReviewed)).toBe('97.6% (95.6–98.7%) of 412');
    expect(rateText(topic.helpful)).toBe('No data');
  });

  it('should explain each metric in one sentence and count volume with separators', () => {
    const rows = metricRows(topic, 90);
    expect(rows[0]).toEqual({ name: 'Volume', help: 'Agent answers in the last 90 days.', value: '1,204' });
    expect(rows.every((r) => r.help.endsWith('.') && r.help.split('. ').length === 1)).toBe(true);
  });

  it('should plot weekly rates, nothing for a week without data', () => {
    const chart = weeklySeries(topic);
    expect(chart.data[0]).toEqual([Date.parse('2026-11-28T00:00:00Z') / 1000, Date.parse('2026-12-05T00:00:00Z') / 1000]);
    expect(chart.data[1]).toEqual([null, 0.75]);
    expect(chart.data[2]).toEqual([null, 0.8]);
    expect(chart.data[3]).toEqual([null, 0.1]);
  });
});
