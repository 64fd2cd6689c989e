import { traceRecordInput } from '../../shared/trace-record';
import { decodeRecord } from '../traces/record';
import { ingestSpans } from '../traces/store';
import { ingestProcedure, router } from '../trpc';

export const traceRouter = router({
  /**
   * Spans from a backend without OpenTelemetry (secret ingest key as `Authorization: Bearer sk_…`).
   * Stored like OTLP exports: idempotent per span, the trace's summary recomputed from all its spans.
   */
  record: ingestProcedure.input(traceRecordInput).mutation(({ ctx, input }) => ingestSpans(ctx.db, ctx.siteId, decodeRecord(input))),
});
