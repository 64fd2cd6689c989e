import { describe, expect, it } from 'vitest';
import { trustSettingsOf } from '../../shared/trust';
import { isTooFast, readingTimeMs, reviewerStamps } from './rubber-stamp';

const settings = trustSettingsOf({}); // minReadMs 2000, readMsPer100Chars 1500

describe('rubber-stamp guard', () => {
  it('should need 2 s plus 1.5 s per 100 characters to read a draft', () => {
    // 400 characters: 2000 + 1500 × 4 = 8000 ms.
    expect(readingTimeMs(400, settings)).toBe(8000);
    expect(isTooFast(500, 400, settings)).toBe(true);
    expect(isTooFast(7999, 400, settings)).toBe(true);
    expect(isTooFast(8000, 400, settings)).toBe(false);
    expect(isTooFast(null, 400, settings)).toBe(false);
  });

  it('should flag a reviewer who approves most drafts in half a second, and say so in plain words', () => {
    const [stamp] = reviewerStamps([{ staffId: 's1', email: 'maya@example.com', approvals: 12, tooFast: 12, maxTooFastMs: 500 }]);
    expect(stamp).toMatchObject({ flagged: true, approvals: 12, tooFast: 12 });
    expect(stamp!.note).toBe(
      "12 of maya@example.com's 12 approvals took under a second: not counted as reviewed. Most of their approvals are faster than a person can read the draft.",
    );
  });

  it('should note but not flag a reviewer with a few fast approvals, nor one with fewer than 10 approvals, nor exactly half', () => {
    const stamps = reviewerStamps([
      { staffId: 's1', email: 'maya@example.com', approvals: 40, tooFast: 3, maxTooFastMs: 900 },
      { staffId: 's2', email: 'li@example.com', approvals: 9, tooFast: 9, maxTooFastMs: 400 },
      { staffId: 's3', email: 'ade@example.com', approvals: 10, tooFast: 5, maxTooFastMs: 3200 },
    ]);
    expect(stamps.every((s) => !s.flagged)).toBe(true);
    expect(stamps.find((s) => s.staffId === 's1')!.note).toBe("3 of maya@example.com's 40 approvals took under a second: not counted as reviewed.");
    expect(stamps.find((s) => s.staffId === 's3')!.note).toBe("5 of ade@example.com's 10 approvals took at most 4 s, less than reading the draft needs: not counted as reviewed.");
  });

  it('should flag at more than half of at least 10 approvals', () => {
    const [stamp] = reviewerStamps([{ staffId: 's1', email: 'ade@example.com', approvals: 10, tooFast: 6, maxTooFastMs: 1500 }]);
    expect(stamp!.flagged).toBe(true);
  });
});
