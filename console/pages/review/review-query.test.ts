import { describe, expect, it } from 'vitest';
import { caseFilterFor, parseReviewQuery, resolveRange, reviewSearch } from './review-query';

const SITES = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];

describe('review query', () => {
  it('should default to the first site and the last 7 days', () => {
    expect(parseReviewQuery({}, SITES)).toEqual({ site: SITES[0], range: '7d', from: null, to: null, filters: {} });
  });

  it("should refuse a site the staff member is not a member of, and fall back to their first", () => {
    expect(parseReviewQuery({ site: '33333333-3333-4333-8333-333333333333' }, SITES).site).toBe(SITES[0]);
    expect(parseReviewQuery({ site: SITES[1] }, SITES).site).toBe(SITES[1]);
  });

  it('should drop unknown filter values rather than send them to the server', () => {
    const q = parseReviewQuery({ mode: 'bogus', rating: 'meh', band: 'high', escalated: 'maybe', label: 'human', topic: 'billing' }, SITES);
    expect(q.filters).toEqual({ band: 'high', label: 'human', topic: 'billing' });
  });

  it('should keep a custom range only with two valid days in order', () => {
    expect(parseReviewQuery({ range: 'custom', from: '2026-12-01', to: '2026-12-03' }, SITES)).toMatchObject({ range: 'custom', from: '2026-12-01', to: '2026-12-03' });
    expect(parseReviewQuery({ range: 'custom', from: '2026-12-04', to: '2026-12-03' }, SITES).range).toBe('7d');
    expect(parseReviewQuery({ range: 'custom', from: 'yesterday', to: '2026-12-03' }, SITES).range).toBe('7d');
    expect(parseReviewQuery({ range: 'custom', from: '2026-13-45', to: '2026-12-03' }, SITES).range).toBe('7d');
  });

  it('should write a query that reads back the same, leaving defaults out', () => {
    const q = parseReviewQuery({ site: SITES[1], range: 'custom', from: '2026-12-01', to: '2026-12-03', mode: 'tool_failure', escalated: 'no' }, SITES);
    const search = reviewSearch(q);
    expect(search).toBe(`?site=${SITES[1]}&range=custom&from=2026-12-01&to=2026-12-03&mode=tool_failure&escalated=no`);
    expect(parseReviewQuery(Object.fromEntries(new URLSearchParams(search)), SITES)).toEqual(q);
    expect(reviewSearch({ ...q, range: '7d' }, { filters: false })).toBe(`?site=${SITES[1]}`);
  });

  it('should resolve relative ranges back from now, and a custom range to whole UTC days (the daily buckets)', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    expect(resolveRange({ range: '24h', from: null, to: null }, now)).toEqual({ from: '2026-12-04T12:00:00.000Z', to: '2026-12-05T12:00:00.000Z' });
    expect(resolveRange({ range: '30d', from: null, to: null }, now).from).toBe('2026-11-05T12:00:00.000Z');
    expect(resolveRange({ range: 'custom', from: '2026-12-01', to: '2026-12-03' }, now)).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' });
    // The last day of a month, and of a year, end at the next one's UTC midnight.
    expect(resolveRange({ range: 'custom', from: '2026-12-31', to: '2026-12-31' }, now)).toEqual({ from: '2026-12-31T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
  });

  it('should map the URL filters to the case-list input', () => {
    const range = { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' };
    expect(caseFilterFor(SITES[0]!, range, { mode: 'hallucination', band: 'low', escalated: 'yes', label: 'auto', model: 'gpt-x', release: 'r1', topic: 't', rating: 'negative' })).toEqual({
      siteId: SITES[0],
      ...range,
      mode: 'hallucination',
      confidenceBand: 'low',
      escalated: true,
      labelSource: 'auto',
      model: 'gpt-x',
      release: 'r1',
      topic: 't',
      rating: 'negative',
    });
    expect(caseFilterFor(SITES[0]!, range, { escalated: 'no' }).escalated).toBe(false);
  });
});
