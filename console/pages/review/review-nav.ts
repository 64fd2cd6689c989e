/** Review's sections and their paths; the query (site, range, filters) travels with every link. */
import { signal } from '@preact/signals';
import type { ReviewQuery } from './review-query';
import { reviewSearch } from './review-query';

export const REVIEW_BASE = '/console/review';

export const SECTIONS = [
  { id: 'overview', label: 'Overview', path: REVIEW_BASE },
  { id: 'calibration', label: 'Calibration', path: `${REVIEW_BASE}/calibration` },
  { id: 'cases', label: 'Cases', path: `${REVIEW_BASE}/cases` },
  { id: 'alerts', label: 'Alerts', path: `${REVIEW_BASE}/alerts` },
] as const;
export type SectionId = (typeof SECTIONS)[number]['id'];

/** The section a path shows (a case detail belongs to Cases). */
export function sectionOf(path: string): SectionId {
  const rest = path.replace(/\/+$/, '').slice(REVIEW_BASE.length);
  if (rest.startsWith('/calibration')) return 'calibration';
  if (rest.startsWith('/cases')) return 'cases';
  if (rest.startsWith('/alerts')) return 'alerts';
  return 'overview';
}

/** A link to a section, keeping the site and range (and the case filters only where they apply). */
export function sectionHref(id: SectionId, q: ReviewQuery): string {
  const s = SECTIONS.find((x) => x.id === id)!;
  return s.path + reviewSearch(q, { filters: id === 'cases' });
}

/** A case's own page, keeping the list's query so "Back to cases" returns to the same list. */
export const caseHref = (caseId: string, q: ReviewQuery): string => `${REVIEW_BASE}/cases/${encodeURIComponent(caseId)}${reviewSearch(q)}`;

/** The site and range last shown, so the "Review" entry in the top bar returns to them (this tab only). */
export const lastReviewSearch = signal('');
