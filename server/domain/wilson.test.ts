import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson';

describe('wilsonInterval', () => {
  it('should give [0.2366, 0.7634] for 5 of 10', () => {
    const ci = wilsonInterval(5, 10)!;
    expect(ci.low).toBeCloseTo(0.2366, 4);
    expect(ci.high).toBeCloseTo(0.7634, 4);
  });

  it('should not collapse to a point for 3 of 3', () => {
    const ci = wilsonInterval(3, 3)!;
    expect(ci.low).toBeCloseTo(0.4385, 4);
    expect(ci.high).toBe(1);
  });

  it('should give [0, 0.0345] for 0 of 109', () => {
    // Upper bound z²/(n+z²) when nothing succeeded.
    const ci = wilsonInterval(0, 109)!;
    expect(ci.low).toBe(0);
    expect(ci.high).toBeCloseTo(3.8415 / (109 + 3.8415), 4);
  });

  it('should be null for an empty bin', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});

describe('wilsonInterval (alert bounds)', () => {
  it('should match hand-computed bounds for 19 of 50', () => {
    // centre (0.38 + 1.96²/100) / (1 + 1.96²/50) = 0.388565; margin 1.96·√(0.38·0.62/50 + 1.96²/10000) / 1.076832 = 0.129936
    const { low, high } = wilsonInterval(19, 50, 1.96)!;
    expect(low).toBeCloseTo(0.258626, 5);
    expect(high).toBeCloseTo(0.518498, 5);
  });

  it('should give z²/(n + z²) as the upper bound of 0 of n', () => {
    expect(wilsonInterval(0, 10, 1.96)!.low).toBe(0);
    expect(wilsonInterval(0, 10, 1.96)!.high).toBeCloseTo(1.96 ** 2 / (10 + 1.96 ** 2), 10);
  });

  it('should stay within 0..1 and say nothing for no data', () => {
    expect(wilsonInterval(10, 10)!.high).toBeCloseTo(1, 12);
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});
