/**
 * Topics and the trust settings. Every staff role of a site may read them (agents and reviewers see why an
 * answer was held or a handoff offered); only the site's admins change them, and every change is audited.
 */
import { topicListInput, topicSetInput, trustSettingsInput, undefinedTopicsInput } from '../../shared/trust';
import { staffActor } from '../domain/audit';
import type { SessionStaff } from '../domain/sessions';
import { assertAdmin, assertSiteAccess } from '../domain/staff-access';
import { listTopics, setTopic } from '../domain/topics';
import { undefinedTopics } from '../domain/topic-usage';
import { readTrustSettings, updateTrustSettings } from '../domain/trust-settings';
import { router, staffProcedure } from '../trpc';

// Membership first, so a site of another tenant is not found rather than forbidden.
function assertSiteAdmin(staff: SessionStaff, siteId: string): void {
  assertSiteAccess(staff, siteId, 'read');
  assertAdmin(staff);
}

export const topicRouter = router({
  /** The site's topics with failure cost, autonomy, criterion and who changed them last, by name. */
  list: staffProcedure.input(topicListInput).query(({ ctx, input }) => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    return listTopics(ctx.db, input.siteId);
  }),

  /** Creates a topic or changes the fields given; audited with before, after and reason. */
  set: staffProcedure.input(topicSetInput).mutation(({ ctx, input }) => {
    assertSiteAdmin(ctx.staff, input.siteId);
    return setTopic(ctx.db, staffActor(ctx.staff, ctx), input);
  }),

  /** Topics the site's answers carried in the last 90 days that are not defined, most answers first. */
  undefinedSeen: staffProcedure.input(undefinedTopicsInput).query(({ ctx, input }) => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    return undefinedTopics(ctx.db, input.siteId);
  }),

  /** The site's trust settings with every default filled in. */
  settings: staffProcedure.input(topicListInput).query(({ ctx, input }) => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    return readTrustSettings(ctx.db, input.siteId);
  }),

  /** Changes the settings given (others keep their value); audited `trust.settings` with before and after. */
  setSettings: staffProcedure.input(trustSettingsInput).mutation(({ ctx, input }) => {
    assertSiteAdmin(ctx.staff, input.siteId);
    return updateTrustSettings(ctx.db, staffActor(ctx.staff, ctx), input.siteId, input.settings);
  }),
});
