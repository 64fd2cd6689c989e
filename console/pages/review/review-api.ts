/**
 * Review's calls to the server: the `review` router's procedures, typed by the wire shapes in
 * shared/review.ts, and the URL of the eval-dataset download.
 */
import type { z } from 'zod';
import type {
  Calibration,
  calibrationInput,
  CaseDetail,
  CaseFilter,
  CaseList,
  caseListInput,
  CaseListItem,
  FilterOptions,
  labelCaseInput,
  Overview,
  overviewInput,
  ReviewAlert,
} from '../../../shared/review';
import { api } from '../../api/client';

/** The procedures Review uses, as the console calls them. */
export interface ReviewProcedures {
  overview: { query(input: z.input<typeof overviewInput>): Promise<Overview> };
  calibration: { query(input: z.input<typeof calibrationInput>): Promise<Calibration> };
  cases: { query(input: z.input<typeof caseListInput>): Promise<CaseList> };
  byId: { query(input: { caseId: string }): Promise<CaseDetail> };
  label: { mutate(input: z.input<typeof labelCaseInput>): Promise<CaseListItem> };
  alerts: { query(input: { siteId: string; from?: string; to?: string; before?: { windowStart: string; id: string } }): Promise<ReviewAlert[]> };
  filters: { query(input: { siteId: string }): Promise<FilterOptions> };
}

/** The `review` router through the console's one tRPC client. */
export const reviewApi: ReviewProcedures = api.review;

/** Where the case list's "Export" downloads the eval dataset (JSONL) of the given filters. */
export const EXPORT_PATH = '/review/export';

/** The download URL for the cases matching `filter` (same names as the case-list input). */
export function exportUrl(filter: CaseFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  return `${EXPORT_PATH}?${params}`;
}
