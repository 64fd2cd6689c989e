import { signalBatchInput } from '../../shared/schemas';
import { router, widgetProcedure } from '../trpc';

export const signalRouter = router({
  /** Stores a batch from the widget's outbox, exactly once per clientEventId. */
  push: widgetProcedure
    .input(signalBatchInput)
    .mutation(async ({ ctx, input }) => ({ results: await ctx.signalWriter.store({ siteId: ctx.site.id, userAgent: ctx.userAgent }, input) })),
});
