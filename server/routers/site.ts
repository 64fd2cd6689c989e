import { eq } from 'drizzle-orm';
import { siteHoursInput, type SiteHours } from '../../shared/handoff';
import type { SiteConfig } from '../../shared/schemas';
import { sites } from '../db/schema';
import { handoffAvailability } from '../domain/availability';
import { autonomyConfig } from '../domain/autonomy-config';
import { thresholdsInForce } from '../domain/calibrated-thresholds-store';
import { recordAudit, staffActor } from '../domain/audit';
import type { Db } from '../db/client';
import { assertAdmin, assertSiteAccess } from '../domain/staff-access';
import { setWebhookInput, webhookStatusInput, type SetWebhookResult, type WebhookStatus } from '../../shared/webhooks';
import { router, staffProcedure, widgetProcedure } from '../trpc';
import { setSiteWebhook, webhookStatus } from '../webhooks/config';

export const siteRouter = router({
  /** What the widget needs at start: thresholds, texts, theme, and whether a person can answer now. */
  config: widgetProcedure.query(async ({ ctx }): Promise<SiteConfig> => {
    // Badge thresholds in force: the calibrated ones when the site uses calibrated badges and has a fit.
    const [badges, handoff, autonomy] = await Promise.all([thresholdsInForce(ctx.db, ctx.site), handoffAvailability(ctx.db, ctx.site), autonomyConfig(ctx.db, ctx.site.id)]);
    return {
      siteId: ctx.site.id,
      name: ctx.site.name,
      policy: { ...ctx.site.policy, thresholds: badges.thresholds },
      ...(Object.keys(badges.topicThresholds).length ? { topicThresholds: badges.topicThresholds } : {}),
      handoff,
      autonomy,
    };
  }),

  /** Sets (or with null, clears) the site's support hours; admins of the site only. */
  setHours: staffProcedure.input(siteHoursInput).mutation(async ({ ctx, input }): Promise<{ hours: SiteHours | null }> => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    assertAdmin(ctx.staff);
    await ctx.db.transaction(async (tx) => {
      await tx.update(sites).set({ hours: input.hours }).where(eq(sites.id, input.siteId));
      await recordAudit(tx as unknown as Db, staffActor(ctx.staff, ctx), { action: 'site.set_hours', siteId: input.siteId, targetType: 'site', targetId: input.siteId, details: { hours: input.hours } });
    });
    return { hours: input.hours };
  }),

  /**
   * Sets the site's webhook URL (http or https), or removes it with `url: null`; admins of the site only.
   * The signing secret is in the answer only when it was just generated: on first set or `rotateSecret`.
   */
  setWebhook: staffProcedure.input(setWebhookInput).mutation(async ({ ctx, input }): Promise<SetWebhookResult> => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    assertAdmin(ctx.staff);
    const result = await setSiteWebhook(ctx.db, input.siteId, input.url, { rotateSecret: input.rotateSecret });
    // Only the URL's host is recorded: webhook URLs often carry a token, and the signing secret never is.
    await recordAudit(ctx.db, staffActor(ctx.staff, ctx), {
      action: 'site.set_webhook',
      siteId: input.siteId,
      targetType: 'site',
      targetId: input.siteId,
      details: { host: input.url ? new URL(input.url).host : null, rotatedSecret: Boolean(result.secret) },
    });
    return result;
  }),

  /** The site's webhook URL and its deliveries' state (pending, given up, the latest attempt); admins of the site only. */
  webhookStatus: staffProcedure.input(webhookStatusInput).query(async ({ ctx, input }): Promise<WebhookStatus> => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    assertAdmin(ctx.staff);
    return webhookStatus(ctx.db, input.siteId);
  }),
});
