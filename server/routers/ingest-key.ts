/** A site's secret ingest keys (`sk_…`, for agent backends sending traces): admins of the site only. */
import { createIngestKeyInput, ingestKeyListInput, revokeIngestKeyInput } from '../../shared/security';
import { staffActor } from '../domain/audit';
import { createIngestKey, listIngestKeys, revokeIngestKey } from '../domain/ingest-keys';
import type { SessionStaff } from '../domain/sessions';
import { assertAdmin, assertSiteAccess } from '../domain/staff-access';
import { router, staffProcedure } from '../trpc';

// Membership first, so a site of another tenant is not found rather than forbidden.
function assertSiteAdmin(staff: SessionStaff, siteId: string): void {
  assertSiteAccess(staff, siteId, 'read');
  assertAdmin(staff);
}

export const ingestKeyRouter = router({
  /** The site's keys with their names, creation, last use and revocation; never the keys themselves. */
  list: staffProcedure.input(ingestKeyListInput).query(({ ctx, input }) => {
    assertSiteAdmin(ctx.staff, input.siteId);
    return listIngestKeys(ctx.db, input.siteId);
  }),

  /** A new named key; the answer is the only place the key is ever shown. */
  create: staffProcedure.input(createIngestKeyInput).mutation(({ ctx, input }) => {
    assertSiteAdmin(ctx.staff, input.siteId);
    return createIngestKey(ctx.db, staffActor(ctx.staff, ctx), input.siteId, input.name);
  }),

  /** Revokes a key: from the next request on, no instance accepts it. */
  revoke: staffProcedure.input(revokeIngestKeyInput).mutation(({ ctx, input }) => {
    assertSiteAdmin(ctx.staff, input.siteId);
    return revokeIngestKey(ctx.db, staffActor(ctx.staff, ctx), input.siteId, input.keyId);
  }),
});
