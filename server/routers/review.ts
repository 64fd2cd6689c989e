/**
 * Review: failure modes, calibration, the case list and detail, labels, alerts. Reviewers and admins of a
 * site only (agents: FORBIDDEN; other sites: NOT_FOUND), checked before any query runs.
 */
import {
  alertListInput,
  calibrationInput,
  caseDetailInput,
  caseListInput,
  filterOptionsInput,
  labelCaseInput,
  overviewInput,
} from '../../shared/review';
import { caseDetail, caseSiteId, labelCase, listCases } from '../domain/review-cases';
import { calibration, filterOptions, overview } from '../domain/review-queries';
import type { SessionStaff } from '../domain/sessions';
import { assertReviewAccess } from '../domain/staff-access';
import { listAlertPage } from '../review/alerts';
import { recordAuditOf, staffActor } from '../domain/audit';
import type { Db } from '../db/client';
import { router, staffProcedure } from '../trpc';

/** Checks access to a case through its site; a case of another site is simply not found. */
async function assertCaseAccess(db: Db, staff: SessionStaff, caseId: string): Promise<void> {
  const notFound = `No case with id '${caseId}'.`;
  assertReviewAccess(staff, (await caseSiteId(db, caseId)) ?? '', notFound);
}

export const reviewRouter = router({
  /** Totals, failure modes with an example each, a series per hour or day, and label agreement. */
  overview: staffProcedure.input(overviewInput).query(({ ctx, input }) => {
    assertReviewAccess(ctx.staff, input.siteId);
    return overview(ctx.db, input.siteId, input);
  }),

  /** Reliability bins with Wilson intervals, ECE, Brier and the false-confident rate; by topic and release. */
  calibration: staffProcedure.input(calibrationInput).query(({ ctx, input }) => {
    assertReviewAccess(ctx.staff, input.siteId);
    return calibration(ctx.db, input.siteId, input);
  }),

  /** Cases newest first, filtered, in keyset pages (`nextCursor`). */
  cases: staffProcedure.input(caseListInput).query(({ ctx, input }) => {
    assertReviewAccess(ctx.staff, input.siteId);
    return listCases(ctx.db, input.siteId, input);
  }),

  /** One case: transcript with the answer flagged, escalation, and trace spans with offsets. */
  byId: staffProcedure.input(caseDetailInput).query(async ({ ctx, input }) => {
    await assertCaseAccess(ctx.db, ctx.staff, input.caseId);
    return caseDetail(ctx.db, input.caseId);
  }),

  /** A reviewer's failure mode (and note) for a case; the automatic one is kept beside it. Mode null takes the reviewer's label away. */
  label: staffProcedure.input(labelCaseInput).mutation(async ({ ctx, input }) => {
    await assertCaseAccess(ctx.db, ctx.staff, input.caseId);
    const labelled = await labelCase(ctx.db, input.caseId, { mode: input.mode, note: input.note, staffId: ctx.staff.id });
    await recordAuditOf(ctx.db, staffActor(ctx.staff, ctx), 'cases', { action: 'review.label', targetType: 'case', targetId: input.caseId, details: { mode: input.mode } });
    return labelled;
  }),

  /** Rate alerts (incidents) whose window overlaps the range, newest first, a page of 500 at a time. */
  alerts: staffProcedure.input(alertListInput).query(({ ctx, input }) => {
    assertReviewAccess(ctx.staff, input.siteId);
    return listAlertPage(ctx.db, input.siteId, input);
  }),

  /** Topics, releases and models for the case-list filter menus. */
  filters: staffProcedure.input(filterOptionsInput).query(({ ctx, input }) => {
    assertReviewAccess(ctx.staff, input.siteId);
    return filterOptions(ctx.db, input.siteId);
  }),
});
