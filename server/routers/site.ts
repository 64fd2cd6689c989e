import type { SiteConfig } from '../../shared/schemas';
import { router, widgetProcedure } from '../trpc';

export const siteRouter = router({
  /** What the widget needs at start: thresholds, texts, theme. */
  config: widgetProcedure.query(({ ctx }): SiteConfig => ({ siteId: ctx.site.id, name: ctx.site.name, policy: ctx.site.policy })),
});
