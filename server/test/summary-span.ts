/** Spans as the trace summary reads them (stored rows), for tests: a plain step unless `extra` says more. */
import type { SummarySpan } from '../domain/trace-summary';

/** A span starting at `start`, with id `spanId`. */
export function summarySpan(spanId: string, start: Date, extra: Partial<SummarySpan> = {}): SummarySpan {
  return {
    spanId,
    name: 'step',
    startTime: start,
    durationMs: 10,
    statusCode: 0,
    statusMessage: null,
    operation: null,
    model: null,
    toolName: null,
    errorType: null,
    inputTokens: null,
    outputTokens: null,
    attributes: {},
    events: [],
    ...extra,
  };
}
