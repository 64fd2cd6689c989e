import { eq } from 'drizzle-orm';
import { siteHoursInput, type SiteHours } from '../../shared/handoff';
import type { SiteConfig } from '../../shared/schemas';
import { sites } from '../db/schema';
import { handoffAvailability } from '../domain/availability';
import { assertAdmin, assertSiteAccess } from '../domain/staff-access';
import { router, staffProcedure, widgetProcedure } from '../trpc';

export const siteRouter = router({
  /** What the widget needs at start: thresholds, texts, theme, and whether a person can answer now. */
  config: widgetProcedure.query(
    async ({ ctx }): Promise<SiteConfig> => ({ siteId: ctx.site.id, name: ctx.site.name, policy: ctx.site.policy, handoff: await handoffAvailability(ctx.db, ctx.site) }),
  ),

  /** Sets (or with null, clears) the site's support hours; admins of the site only. */
  setHours: staffProcedure.input(siteHoursInput).mutation(async ({ ctx, input }): Promise<{ hours: SiteHours | null }> => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    assertAdmin(ctx.staff);
    await ctx.db.update(sites).set({ hours: input.hours }).where(eq(sites.id, input.siteId));
    return { hours: input.hours };
  }),
});
