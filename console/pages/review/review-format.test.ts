import { describe, expect, it } from 'vitest';
import { breakdownCaption, count, duration, labellerName, modeLabel, pct, score, windowLabel } from './review-format';

describe('review formatters', () => {
  it('should show shares as whole percentages, with a decimal under 10%, and a dash for no data', () => {
    expect(pct(0.4249)).toBe('42%');
    expect(pct(0.035)).toBe('3.5%');
    expect(pct(0)).toBe('0%');
    expect(pct(1)).toBe('100%');
    expect(pct(null)).toBe('–');
    expect(pct(Number.NaN)).toBe('–');
  });

  it('should show durations in the unit people read them in', () => {
    expect(duration(0.25)).toBe('0.25 ms');
    expect(duration(850)).toBe('850 ms');
    expect(duration(1234)).toBe('1.2 s');
    expect(duration(15_400)).toBe('15 s');
    expect(duration(125_000)).toBe('2 min 5 s');
  });

  it('should show counts with separators and scores with three decimals', () => {
    expect(count(1234567)).toBe('1,234,567');
    expect(score(0.12345)).toBe('0.123');
    expect(score(null)).toBe('–');
  });

  it('should name failure modes as Review lists them', () => {
    expect(modeLabel('hallucination')).toBe('Hallucination under uncertainty');
    expect(modeLabel(null)).toBe('–');
  });

  it('should say "you" for the viewer\'s own label and never show a bare staff id', () => {
    const viewer = { id: '11111111-1111-4111-8111-111111111111', displayName: 'Rita' };
    expect(labellerName(viewer.id, viewer)).toBe('you (Rita)');
    expect(labellerName('22222222-2222-4222-8222-222222222222', viewer)).toBe('another reviewer');
    expect(labellerName('Sam', viewer)).toBe('Sam');
  });

  it("should name another reviewer by the name the server gives, and the viewer as you", () => {
    const viewer = { id: '11111111-1111-4111-8111-111111111111', displayName: 'Rita' };
    expect(labellerName('22222222-2222-4222-8222-222222222222', viewer, 'Sam Reviewer')).toBe('Sam Reviewer');
    expect(labellerName('22222222-2222-4222-8222-222222222222', viewer, 'sam@example.com')).toBe('sam@example.com');
    expect(labellerName(viewer.id, viewer, 'Rita R.')).toBe('you (Rita)');
    expect(labellerName('22222222-2222-4222-8222-222222222222', viewer, null)).toBe('another reviewer');
  });

  it('should say when a breakdown lists only the top groups', () => {
    expect(breakdownCaption('Calibration by topic', 10, 14)).toBe('Calibration by topic: top 10 of 14, by rated answers');
    expect(breakdownCaption('Calibration by topic', 3, 3)).toBe('Calibration by topic');
  });
});

describe('windowLabel', () => {
  it('should name an alert window in UTC, with the end day when it passes midnight', () => {
    expect(windowLabel('2026-12-05T14:00:00.000Z', '2026-12-05T15:00:00.000Z')).toBe('5 Dec, 14:00–15:00 UTC');
    expect(windowLabel('2026-12-05T22:00:00.000Z', '2026-12-06T00:00:00.000Z')).toBe('5 Dec, 22:00–00:00 UTC');
    expect(windowLabel('2026-12-05T22:00:00.000Z', '2026-12-06T02:00:00.000Z')).toBe('5 Dec, 22:00 – 6 Dec, 02:00 UTC');
  });
});
