/**
 * The trust framework: the track record (with its recommendations and rubber-stamp notes) and applying a
 * recommendation. Reading the record is for reviewers and admins of the site (agents answer conversations
 * and have no use for other staff members' review speed: FORBIDDEN, as for Review); applying one changes
 * the site's policy, so admins only. Other sites are NOT_FOUND.
 */
import { applyRecommendationInput, trackRecordInput } from '../../shared/trust';
import { staffActor } from '../domain/audit';
import { applyRecommendation } from '../domain/recommendations-apply';
import { assertAdmin, assertReviewAccess, assertSiteAccess } from '../domain/staff-access';
import { readTrackRecord } from '../domain/track-record-query';
import { router, staffProcedure } from '../trpc';

export const trustRouter = router({
  /** Per topic, the record window's outcomes with 95% intervals, weekly, with recommendations and rubber-stamp notes. */
  trackRecord: staffProcedure.input(trackRecordInput).query(({ ctx, input }) => {
    assertReviewAccess(ctx.staff, input.siteId);
    return readTrackRecord(ctx.db, input.siteId);
  }),

  /** Applies the topic's current recommendation (recomputed here); audited by setTopic with the recommendation as the reason. */
  applyRecommendation: staffProcedure.input(applyRecommendationInput).mutation(({ ctx, input }) => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    assertAdmin(ctx.staff);
    return applyRecommendation(ctx.db, staffActor(ctx.staff, ctx), input);
  }),
});
