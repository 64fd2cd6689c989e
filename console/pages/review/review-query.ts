/**
 * Review's state in the URL query (site, time range, case filters), so links and reloads keep what a
 * reviewer chose. Parsing never throws: an unknown value falls back to the default, so an old or hand-edited
 * link still opens a working page.
 */
import type { CaseFilter } from '../../../shared/review';
import { FAILURE_MODE_IDS, type FailureMode } from '../../../shared/traces';

export const RANGES = [
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
  { id: 'custom', label: 'Custom', ms: 0 },
] as const;
export type RangeId = (typeof RANGES)[number]['id'];
const DEFAULT_RANGE: RangeId = '7d';

export const RATINGS = [
  { id: 'negative', label: 'Any negative' },
  { id: 'not_helpful', label: 'Not helpful' },
  { id: 'helpful', label: 'Helpful' },
] as const;
export const BANDS = [
  { id: 'high', label: 'High' },
  { id: 'medium', label: 'Medium' },
  { id: 'low', label: 'Low' },
  { id: 'none', label: 'No confidence stated' },
] as const;
export const LABELS = [
  { id: 'human', label: 'Labelled by a reviewer' },
  { id: 'auto', label: 'Automatic only' },
  { id: 'none', label: 'Not classified' },
] as const;

/** The case-list filters as the URL holds them (all optional). */
export interface CaseFilters {
  mode?: FailureMode;
  topic?: string;
  rating?: (typeof RATINGS)[number]['id'];
  band?: (typeof BANDS)[number]['id'];
  release?: string;
  model?: string;
  escalated?: 'yes' | 'no';
  label?: (typeof LABELS)[number]['id'];
}
export const FILTER_KEYS = ['mode', 'topic', 'rating', 'band', 'release', 'model', 'escalated', 'label'] as const;

export interface ReviewQuery {
  site: string | null;
  range: RangeId;
  /** Custom range: first and last day (YYYY-MM-DD, UTC days like the charts' buckets), both included. */
  from: string | null;
  to: string | null;
  filters: CaseFilters;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (v: string | undefined): v is string => !!v && DAY.test(v) && !Number.isNaN(new Date(`${v}T00:00:00Z`).getTime());
const oneOf = <T extends string>(ids: readonly T[], v: string | undefined): T | undefined => (ids as readonly string[]).includes(v ?? '') ? (v as T) : undefined;
// The server takes at most 200 characters for these; longer values cannot match anything stored.
const freeText = (v: string | undefined) => (v && v.length <= 200 ? v : undefined);

/** Reads the query; `siteIds` are the staff member's sites (the first is the default). */
export function parseReviewQuery(query: Record<string, string | undefined>, siteIds: string[]): ReviewQuery {
  const site = query.site && siteIds.includes(query.site) ? query.site : (siteIds[0] ?? null);
  let range = oneOf(RANGES.map((r) => r.id), query.range) ?? DEFAULT_RANGE;
  let from: string | null = null;
  let to: string | null = null;
  if (range === 'custom') {
    if (isDay(query.from) && isDay(query.to) && query.from <= query.to) [from, to] = [query.from, query.to];
    else range = DEFAULT_RANGE;
  }
  const filters: CaseFilters = {
    mode: oneOf(FAILURE_MODE_IDS, query.mode),
    topic: freeText(query.topic),
    rating: oneOf(RATINGS.map((r) => r.id), query.rating),
    band: oneOf(BANDS.map((b) => b.id), query.band),
    release: freeText(query.release),
    model: freeText(query.model),
    escalated: oneOf(['yes', 'no'], query.escalated),
    label: oneOf(LABELS.map((l) => l.id), query.label),
  };
  for (const k of FILTER_KEYS) if (filters[k] === undefined) delete filters[k];
  return { site, range, from, to, filters };
}

/** The query string for `q` (with a leading `?`), defaults left out. */
export function reviewSearch(q: ReviewQuery, opts: { filters?: boolean } = {}): string {
  const params = new URLSearchParams();
  if (q.site) params.set('site', q.site);
  if (q.range !== DEFAULT_RANGE) params.set('range', q.range);
  if (q.range === 'custom' && q.from && q.to) {
    params.set('from', q.from);
    params.set('to', q.to);
  }
  if (opts.filters !== false) for (const k of FILTER_KEYS) if (q.filters[k]) params.set(k, q.filters[k]!);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * The range as instants [from, to): relative ranges end now; a custom range covers its days as whole UTC
 * days, so that its first and last daily buckets (cut at UTC midnight by the server) are whole too.
 */
export function resolveRange(q: Pick<ReviewQuery, 'range' | 'from' | 'to'>, now = new Date()): { from: string; to: string } {
  if (q.range === 'custom' && q.from && q.to) {
    const from = new Date(`${q.from}T00:00:00Z`);
    const to = new Date(`${q.to}T00:00:00Z`);
    to.setUTCDate(to.getUTCDate() + 1);
    return { from: from.toISOString(), to: to.toISOString() };
  }
  const span = RANGES.find((r) => r.id === q.range)?.ms || RANGES[1].ms;
  return { from: new Date(now.getTime() - span).toISOString(), to: now.toISOString() };
}

/** The case-list input for a site, resolved range and the URL's filters. */
export function caseFilterFor(siteId: string, range: { from: string; to: string }, f: CaseFilters): CaseFilter {
  const filter: CaseFilter = { siteId, ...range };
  if (f.mode) filter.mode = f.mode;
  if (f.topic) filter.topic = f.topic;
  if (f.rating) filter.rating = f.rating;
  if (f.band) filter.confidenceBand = f.band;
  if (f.release) filter.release = f.release;
  if (f.model) filter.model = f.model;
  if (f.escalated) filter.escalated = f.escalated === 'yes';
  if (f.label) filter.labelSource = f.label;
  return filter;
}

/** The UTC day of an instant as YYYY-MM-DD, for the custom range's date inputs (its days are UTC days). */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
