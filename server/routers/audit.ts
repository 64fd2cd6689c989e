/** The audit log, for admins: rows of their sites, and without a site filter also actions outside any site. */
import { auditListInput } from '../../shared/security';
import { listAudit } from '../domain/audit';
import { assertAdmin, assertSiteAccess } from '../domain/staff-access';
import { router, staffProcedure } from '../trpc';

export const auditRouter = router({
  /** Newest first, in keyset pages (`nextCursor`). A site the admin is not a member of is not found. */
  list: staffProcedure.input(auditListInput).query(({ ctx, input }) => {
    if (input.siteId) assertSiteAccess(ctx.staff, input.siteId, 'read');
    assertAdmin(ctx.staff);
    const siteIds = input.siteId ? [input.siteId] : ctx.staff.siteIds;
    return listAudit(ctx.db, { siteIds, withoutSite: !input.siteId, cursor: input.cursor, limit: input.limit });
  }),
});
