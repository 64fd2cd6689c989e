import { describe, expect, it } from 'vitest';
import { CONFIDENCE_LABEL, confidenceLevel } from './confidence';

describe('confidenceLevel', () => {
  it.each([
    [0.95, 'high'], [0.8, 'high'], [0.79, 'medium'], [0.5, 'medium'], [0.49, 'low'], [0, 'low'],
  ] as const)('should rate %s as %s with the default thresholds', (value, level) => {
    expect(confidenceLevel(value)).toBe(level);
  });

  it('should follow a site policy with other thresholds', () => {
    expect(confidenceLevel(0.85, { high: 0.9, low: 0.6 })).toBe('medium');
    expect(confidenceLevel(0.55, { high: 0.9, low: 0.6 })).toBe('low');
  });

  it('should label levels exactly as the badge shows them', () => {
    expect(Object.values(CONFIDENCE_LABEL)).toEqual(['High confidence', 'Medium confidence', 'Low confidence']);
  });
});
