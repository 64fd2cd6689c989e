import { describe, expect, it } from 'vitest';
import { formatWait } from './format';

describe('formatWait', () => {
  it.each([
    [0, '0 s'],
    [44_600, '45 s'],
    [12 * 60_000 + 5_000, '12 min'],
    [3 * 3_600_000 + 5 * 60_000, '3 h 5 min'],
    [5 * 3_600_000, '5 h'],
    [3 * 86_400_000, '3 d'],
  ])('should show %s ms as %s', (ms, text) => {
    expect(formatWait(ms)).toBe(text);
  });
});

describe('OUTCOMES', () => {
  it('should offer exactly the outcomes the server accepts', async () => {
    const { ESCALATION_OUTCOMES } = await import('../shared/handoff');
    const { OUTCOMES } = await import('./format');
    expect([...OUTCOMES].sort()).toEqual([...ESCALATION_OUTCOMES].sort());
  });
});
