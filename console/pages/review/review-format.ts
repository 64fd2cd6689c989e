/** Words and numbers Review shows: rates, counts, durations, failure modes, alert metrics. */
import type { ReviewAlert } from '../../../shared/review';
import { FAILURE_MODES, type FailureMode } from '../../../shared/traces';

/** A failure mode's name as people read it. */
export const MODE_LABEL = Object.fromEntries(FAILURE_MODES.map((m) => [m.id, m.label])) as Record<FailureMode, string>;

/** The mode's name, or a dash for none. */
export const modeLabel = (mode: FailureMode | null | undefined): string => (mode ? (MODE_LABEL[mode] ?? mode) : '–');

/** A share as a percentage ("42%", "3.5%" under 10% with one decimal), or "–" when there is nothing to divide. */
export function pct(rate: number | null | undefined): string {
  if (rate == null || !Number.isFinite(rate)) return '–';
  const p = rate * 100;
  if (p !== 0 && Math.abs(p) < 10) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}

/** A count with thousands separators. */
export const count = (n: number | null | undefined): string => (n == null ? '–' : n.toLocaleString('en-US'));

/** A score such as ECE or Brier, three decimals. */
export const score = (v: number | null | undefined): string => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(3));

/** A span or trace duration: "850 ms", "1.2 s", "2 min 5 s". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** A rating as the widget's buttons name it. */
export const ratingLabel = (rating: 1 | -1 | null): string => (rating === 1 ? 'Helpful' : rating === -1 ? 'Not helpful' : '–');

/** An hour window such as "5 Dec, 14:00–15:00 UTC". */
export function windowLabel(startIso: string, endIso: string): string {
  // In UTC, like the alert's own message and the hours the server judged: a local time would name another hour.
  const start = new Date(startIso);
  const end = new Date(endIso);
  const day = (d: Date) => d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const hm = (d: Date) => d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  // An incident past midnight names its end's day too ("5 Dec, 22:00 – 6 Dec, 02:00"); the end itself is exclusive.
  const endDay = day(new Date(end.getTime() - 1));
  return endDay === day(start) ? `${day(start)}, ${hm(start)}–${hm(end)} UTC` : `${day(start)}, ${hm(start)} – ${endDay}, ${hm(end)} UTC`;
}

// Bucket labels are UTC, like the server's buckets (charts/time-labels.ts says why).
export { bucketLabel, SERIES_TIME_ZONE } from '../../charts/time-labels';

/** The table's caption, saying when it lists only the groups with the most rated answers. */
export function breakdownCaption(title: string, shown: number, total: number): string {
  return total > shown ? `${title}: top ${shown} of ${total}, by rated answers` : title;
}

/** A date and time for case rows and labels. */
export const dateTime = (iso: string): string => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Who labelled: "you" for the viewer's own label, else the labeller's name as the server gives it (display
 * name or email); a bare staff id is never shown (an account deleted since has no name).
 */
export function labellerName(labelledBy: string | null, viewer: { id: string; displayName: string } | null | undefined, name?: string | null): string {
  if (!labelledBy) return name || 'a reviewer';
  if (viewer && labelledBy === viewer.id) return `you (${viewer.displayName})`;
  if (name) return name;
  return UUID.test(labelledBy) ? 'another reviewer' : labelledBy;
}
