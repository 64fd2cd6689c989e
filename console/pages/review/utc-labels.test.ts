/**
 * Review's buckets are cut at UTC midnights and hours: their labels, and custom ranges, must not move with
 * the viewer's time zone. This file runs west of UTC (set before any Date is made: Node re-reads TZ when it
 * is assigned, so every Date and Intl call below uses Los Angeles as its local zone).
 */
process.env.TZ = 'America/Los_Angeles';

import { describe, expect, it } from 'vitest';
import { bucketTick } from '../../charts/time-labels';
import { bucketLabel } from './review-format';
import { resolveRange, utcDay } from './review-query';

describe('Review time labels west of UTC', () => {
  it('should run in a zone where UTC midnight is the previous local day', () => {
    expect(new Date('2026-12-05T00:00:00Z').getDate()).toBe(4);
    expect(new Date('2026-12-05T00:00:00Z').toLocaleDateString('en-GB')).toBe('04/12/2026');
  });

  it('should label a daily bucket with its own UTC date, not the local day before', () => {
    expect(bucketLabel('2026-12-05T00:00:00.000Z', 'day')).toBe('5 Dec 2026');
    expect(bucketTick('2026-12-05T00:00:00.000Z', 'day')).toBe('5 Dec');
  });

  it('should label an hourly bucket with its UTC hour, and mark UTC midnight with its date', () => {
    expect(bucketLabel('2026-12-05T14:00:00.000Z', 'hour')).toBe('5 Dec, 14:00');
    expect(bucketTick('2026-12-05T14:00:00.000Z', 'hour')).toBe('14:00');
    expect(bucketTick('2026-12-05T00:00:00.000Z', 'hour')).toBe('00:00\n5 Dec');
  });

  it('should resolve custom days to whole UTC days, and default them from the UTC date', () => {
    expect(resolveRange({ range: 'custom', from: '2026-12-01', to: '2026-12-03' })).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' });
    // 20:00 on 4 Dec in Los Angeles is already 5 Dec in UTC.
    expect(utcDay(new Date('2026-12-05T04:00:00Z'))).toBe('2026-12-05');
  });
});
