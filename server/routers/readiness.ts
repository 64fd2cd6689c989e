/** Production readiness: the seven checklist checks from the site's own data; any staff member of the site. */
import { readinessInput, type ReadinessReport } from '../../shared/trust';
import { readiness } from '../domain/readiness-stats';
import { assertSiteAccess } from '../domain/staff-access';
import { router, staffProcedure } from '../trpc';

export const readinessRouter = router({
  /** Each check's status, evidence and advice over the last 30 days, in the checklist's order. */
  get: staffProcedure.input(readinessInput).query(({ ctx, input }): Promise<ReadinessReport> => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    return readiness(ctx.db, input.siteId);
  }),
});
