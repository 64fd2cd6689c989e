// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { ReadinessCheck } from '../../../shared/trust';
import { badgeRule } from '../review/BadgesPart';
import { readinessSummary } from './ReadinessPage';

const check = (status: ReadinessCheck['status']): ReadinessCheck => ({ id: 'observability', title: 'Observability', status, evidence: 'e', advice: 'a' });

describe('readinessSummary', () => {
  it('should call a site with any failed check not ready', () => {
    expect(readinessSummary([check('pass'), check('warn'), check('fail')])).toBe('1 pass, 1 warning, 1 fail: not ready for production.');
  });

  it('should call warnings alone ready with warnings, and all passes ready', () => {
    expect(readinessSummary([check('pass'), check('warn'), check('warn')])).toBe('1 pass, 2 warnings, 0 fail: ready with warnings.');
    expect(readinessSummary([check('pass')])).toBe('1 pass, 0 warnings, 0 fail: ready for production.');
  });
});

describe('badgeRule', () => {
  it('should state the rule with the site’s own target, confidence and minimum', () => {
    const rule = badgeRule({ target: 0.9, confidence: 0.95, minSamples: 200 });
    expect(rule).toContain('at least 90% of the time with 95% statistical confidence');
    expect(rule).toContain('at least 200 rated answers');
  });
});
