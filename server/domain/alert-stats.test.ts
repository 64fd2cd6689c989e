import { describe, expect, it } from 'vitest';
import { alertMessage, explainedByTopics, judgeRate, markedlyWorse } from './alert-stats';

describe('judgeRate', () => {
  const baseline = { count: 30, total: 500 }; // 6%, Wilson upper 8.4%

  it('should fire on a spike with volume', () => {
    expect(judgeRate({ count: 19, total: 50 }, baseline)).toMatchObject({ fire: true, why: 'jump', observedRate: 0.38, baselineRate: 0.06 });
  });

  it('should not fire on a quiet hour at the baseline rate', () => {
    expect(judgeRate({ count: 3, total: 50 }, baseline)).toMatchObject({ fire: false });
    expect(judgeRate({ count: 6, total: 60 }, baseline)).toMatchObject({ fire: false, why: 'within_baseline' });
  });

  it('should not fire on low volume, however high the rate', () => {
    expect(judgeRate({ count: 3, total: 4 }, baseline)).toMatchObject({ fire: false, why: 'low_volume', observedRate: 0.75 });
    // Enough events but too few opportunities.
    expect(judgeRate({ count: 10, total: 12 }, baseline)).toMatchObject({ fire: false, why: 'low_volume' });
  });

  it('should not fire when the rise is within what the baseline volume allows', () => {
    // 20 of 100 against 2 of 10: the small baseline's interval reaches 51%.
    expect(judgeRate({ count: 20, total: 100 }, { count: 2, total: 10 })).toMatchObject({ fire: false, why: 'within_baseline' });
  });

  it('should not fire on a real but tiny rise on a very busy site', () => {
    expect(judgeRate({ count: 5300, total: 100_000 }, { count: 40_000, total: 1_000_000 })).toMatchObject({ fire: false, why: 'small_lift' });
  });

  it('should not fire without a baseline', () => {
    expect(judgeRate({ count: 19, total: 50 }, { count: 0, total: 0 })).toMatchObject({ fire: false, why: 'no_baseline' });
  });
});

describe('explainedByTopics', () => {
  const site = { observed: { count: 19, total: 60 }, baseline: { count: 30, total: 500 } };

  it('should explain a site-wide jump that is all in an alerting topic', () => {
    expect(judgeRate(site.observed, site.baseline).fire).toBe(true);
    expect(explainedByTopics(site, [{ observed: { count: 19, total: 50 }, baseline: { count: 15, total: 250 } }])).toBe(true);
  });

  it('should not explain a jump that the rest of the site shows as well', () => {
    const everywhere = { observed: { count: 45, total: 100 }, baseline: { count: 60, total: 1000 } };
    expect(explainedByTopics(everywhere, [{ observed: { count: 25, total: 50 }, baseline: { count: 30, total: 500 } }])).toBe(false);
  });

  it('should explain nothing without alerting topics', () => {
    expect(explainedByTopics(site, [])).toBe(false);
  });
});

describe('markedlyWorse', () => {
  it('should need the new lower bound above the upper bound last sent', () => {
    expect(markedlyWorse({ count: 20, total: 100 }, { count: 15, total: 100 })).toBe(false);
    expect(markedlyWorse({ count: 45, total: 100 }, { count: 15, total: 100 })).toBe(true);
    expect(markedlyWorse({ count: 10, total: 100 }, { count: 15, total: 100 })).toBe(false);
  });
});

describe('alertMessage', () => {
  const window = { windowStart: new Date('2026-12-05T14:00:00Z'), windowEnd: new Date('2026-12-05T15:00:00Z'), baselineDays: 7 };

  it('should name the metric, window, observed rate and baseline', () => {
    expect(alertMessage({ metric: 'negative_rate', topic: null, observed: { count: 19, total: 50 }, baseline: { count: 30, total: 500 }, ...window })).toBe(
      'Not-helpful rate 38% (19 of 50 ratings) in 2026-12-05 14:00–15:00 UTC, baseline 6% (30 of 500) over the previous 7 days',
    );
  });

  it('should say since when an incident goes on', () => {
    const later = { windowStart: new Date('2026-12-05T16:00:00Z'), windowEnd: new Date('2026-12-05T17:00:00Z'), baselineDays: 7 };
    expect(alertMessage({ metric: 'negative_rate', topic: null, observed: { count: 20, total: 50 }, baseline: { count: 30, total: 500 }, ...later, incidentStart: window.windowStart })).toBe(
      'Not-helpful rate 40% (20 of 50 ratings) in 2026-12-05 16:00–17:00 UTC, the 3rd hour in a row since 14:00 UTC, baseline 6% (30 of 500) over the previous 7 days',
    );
    const nextDay = { windowStart: new Date('2026-12-06T01:00:00Z'), windowEnd: new Date('2026-12-06T02:00:00Z'), baselineDays: 7 };
    expect(alertMessage({ metric: 'escalation_rate', topic: 'billing', observed: { count: 8, total: 40 }, baseline: { count: 3, total: 1000 }, ...nextDay, incidentStart: window.windowStart })).toContain(
      'in 2026-12-06 01:00–02:00 UTC, the 12th hour in a row since 2026-12-05 14:00 UTC,',
    );
  });

  it('should name the topic, and keep small baselines readable', () => {
    expect(alertMessage({ metric: 'escalation_rate', topic: 'billing', observed: { count: 8, total: 40 }, baseline: { count: 3, total: 1000 }, ...window })).toBe(
      'Escalation rate for topic "billing" 20% (8 of 40 answers) in 2026-12-05 14:00–15:00 UTC, baseline 0.3% (3 of 1000) over the previous 7 days',
    );
  });
});
