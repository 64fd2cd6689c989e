import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, createBackoff } from './backoff';

describe('createBackoff', () => {
  it('should start between one and three seconds', () => {
    expect(createBackoff(() => 0).next()).toBe(BACKOFF_BASE_MS);
    expect(createBackoff(() => 0.999999).next()).toBeCloseTo(3 * BACKOFF_BASE_MS, 0);
  });

  it('should grow up to three times the previous delay and stop at five minutes', () => {
    const b = createBackoff(() => 1);
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([3000, 9000, 27000, 81000, 243000, 300000, 300000, 300000]);
    expect(BACKOFF_CAP_MS).toBe(300_000);
  });

  it('should spread delays with the random source', () => {
    const values = [0.1, 0.9];
    const delays = values.map((v) => createBackoff(() => v).next());
    expect(delays).toEqual([1200, 2800]);
  });

  it('should stay within base and cap whatever the random source says', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const b = createBackoff(random);
    for (let i = 0; i < 200; i++) {
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(BACKOFF_BASE_MS);
      expect(d).toBeLessThanOrEqual(BACKOFF_CAP_MS);
    }
  });

  it('should start over after a reset', () => {
    const b = createBackoff(() => 1);
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(3000);
  });
});
