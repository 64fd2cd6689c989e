/**
 * The rubber-stamp guard: an approval is evidence only if someone read the draft. An approval whose draft was
 * open for less than the time reading it takes (`minReadMs` + `readMsPer100Chars` per 100 characters of the
 * agent's text) is "too fast": the track record leaves it out of the reviewed drafts, and a reviewer most of
 * whose approvals are too fast (more than half, with at least 10 approvals) is flagged. An approval without a
 * measured open time (`open_ms` null) is counted as reviewed: there is no evidence against it.
 */
import type { ReviewerStamp, TrustSettings } from '../../shared/trust';
import { count } from './recommendations';

/** A reviewer needs at least this many approvals in the window before being flagged. */
export const FLAG_MIN_APPROVALS = 10;
/** …and more than this share of them too fast. */
export const FLAG_SHARE = 0.5;

type ReadingSettings = Pick<TrustSettings, 'minReadMs' | 'readMsPer100Chars'>;

/** How long reading a draft of `chars` characters takes at least, in ms. */
export function readingTimeMs(chars: number, settings: ReadingSettings): number {
  return settings.minReadMs + (settings.readMsPer100Chars * chars) / 100;
}

/** Whether an approval after `openMs` of a draft of `chars` characters was faster than reading it (null: not measured, not too fast). */
export function isTooFast(openMs: number | null, chars: number, settings: ReadingSettings): boolean {
  return openMs !== null && openMs < readingTimeMs(chars, settings);
}

/** One reviewer's approvals (unedited) in the window, as counted by the query. */
export interface ReviewerApprovals {
  staffId: string;
  email: string;
  approvals: number;
  tooFast: number;
  /** The longest open time among the too-fast approvals (ms), for the note. */
  maxTooFastMs: number | null;
}

/** "took under a second", or "took at most 4 s, less than reading the draft needs". */
function howFast(maxMs: number | null): string {
  if (maxMs !== null && maxMs < 1000) return 'took under a second';
  if (maxMs === null) return 'were faster than reading the draft needs';
  return `took at most ${Math.ceil(maxMs / 1000)} s, less than reading the draft needs`;
}

/** Flags and plain-words notes for each reviewer with approvals, the flagged and the fastest first. */
export function reviewerStamps(rows: readonly ReviewerApprovals[]): ReviewerStamp[] {
  return rows
    .filter((r) => r.approvals > 0)
    .map((r) => {
      const flagged = r.approvals >= FLAG_MIN_APPROVALS && r.tooFast / r.approvals > FLAG_SHARE;
      let note =
        r.tooFast === 0
          ? `All ${count(r.approvals)} of ${r.email}'s approvals had the draft open long enough to read it.`
          : `${count(r.tooFast)} of ${r.email}'s ${count(r.approvals)} approvals ${howFast(r.maxTooFastMs)}: not counted as reviewed.`;
      if (flagged) note += ' Most of their approvals are faster than a person can read the draft.';
      return { staffId: r.staffId, email: r.email, approvals: r.approvals, tooFast: r.tooFast, flagged, note };
    })
    .sort((a, b) => Number(b.flagged) - Number(a.flagged) || b.tooFast / b.approvals - a.tooFast / a.approvals || a.email.localeCompare(b.email));
}
