import { signalBatchInput, type SignalBatch } from '../../shared/schemas';
import type { Context } from '../context';
import type { Site } from '../domain/sites';
import { router, widgetProcedure } from '../trpc';

/** signal.push once the widget is admitted and its input parsed; the direct route (server/signal-route.ts) runs it too. */
export async function pushSignals(ctx: Pick<Context, 'signalWriter' | 'userAgent'>, site: Site, batch: SignalBatch) {
  return { results: await ctx.signalWriter.store({ siteId: site.id, userAgent: ctx.userAgent, redact: site.redactPii }, batch) };
}

export const signalRouter = router({
  /** Stores a batch from the widget's outbox, exactly once per clientEventId. */
  push: widgetProcedure.input(signalBatchInput).mutation(({ ctx, input }) => pushSignals(ctx, ctx.site, input)),
});
