import { describe, expect, it } from 'vitest';
import { trustSettingsOf } from './trust';

describe('trust settings as stored', () => {
  it('should fill every default for a site that never changed them', () => {
    expect(trustSettingsOf({})).toMatchObject({ defaultAutonomy: 'auto', stepUpMinDecisions: 200, stepUpLowerBound: 0.95, badgeMode: 'fixed', calibrationTarget: 0.9 });
    expect(trustSettingsOf(null).defaultAutonomy).toBe('auto');
  });

  it('should keep every valid stored value when another one no longer validates', () => {
    const settings = trustSettingsOf({ defaultAutonomy: 'human_review', stepUpMinDecisions: 3, calibrationTarget: 'high', unknown: 1 });
    expect(settings.defaultAutonomy).toBe('human_review');
    expect(settings.stepUpMinDecisions).toBe(200);
    expect(settings.calibrationTarget).toBe(0.9);
    expect(settings).not.toHaveProperty('unknown');
  });
});
