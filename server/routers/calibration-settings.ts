/**
 * Calibrated badges: the settings and fitted thresholds (reviewers and admins of the site), changing the
 * settings and refitting on demand (admins). Changes are audited in the domain functions.
 */
import { badgesGetInput, badgesSetInput, type BadgesState, type RefitResult } from '../../shared/trust';
import { recordAudit, staffActor } from '../domain/audit';
import { badgesState, refitCalibration, setBadges } from '../domain/calibrated-thresholds-store';
import { assertAdmin, assertReviewAccess, assertSiteAccess } from '../domain/staff-access';
import type { Db } from '../db/client';
import { router, staffProcedure } from '../trpc';

export const badgesRouter = router({
  /** Mode, target, the fixed and in-force thresholds, and the stored fits with their curves. */
  get: staffProcedure.input(badgesGetInput).query(({ ctx, input }): Promise<BadgesState> => {
    assertReviewAccess(ctx.staff, input.siteId);
    return badgesState(ctx.db, input.siteId);
  }),

  /** Switches fixed ↔ calibrated or changes the target, confidence or minimum (merged into the trust settings). */
  set: staffProcedure.input(badgesSetInput).mutation(({ ctx, input }): Promise<BadgesState> => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    assertAdmin(ctx.staff);
    return setBadges(ctx.db, staffActor(ctx.staff, ctx), input);
  }),

  /** Refits now instead of at the next periodic pass. */
  refit: staffProcedure.input(badgesGetInput).mutation(async ({ ctx, input }): Promise<RefitResult> => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    assertAdmin(ctx.staff);
    return ctx.db.transaction(async (t) => {
      const tx = t as unknown as Db;
      const result = await refitCalibration(tx, input.siteId);
      await recordAudit(tx, staffActor(ctx.staff, ctx), { action: 'badges.refit', siteId: input.siteId, targetType: 'site', targetId: input.siteId, details: { ...result } });
      return result;
    });
  }),
});
