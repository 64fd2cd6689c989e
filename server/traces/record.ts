/** `trace.record` input as incoming spans, so it takes the same storing path as OTLP exports. */
import type { RecordSpan, traceRecordInput } from '../../shared/trace-record';
import type { z } from 'zod';
import type { DecodedRequest, IncomingSpan } from './incoming';
import { boundedResource } from './normalise';

const KINDS = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

const msToNs = (ms: number) => BigInt(Math.round(ms * 1000)) * 1000n;
const entries = (attrs: Record<string, unknown> | undefined): [string, unknown][] => Object.entries(attrs ?? {}).filter(([, v]) => v !== null);

function toIncoming(span: RecordSpan, resource: Record<string, unknown> | null): IncomingSpan {
  const startNs = msToNs(typeof span.start === 'number' ? span.start : Date.parse(span.start));
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId ?? null,
    name: span.name,
    kind: span.kind ? KINDS[span.kind] : 0,
    startNs,
    endNs: startNs + msToNs(span.durationMs),
    attributes: entries(span.attributes),
    events: (span.events ?? []).map((e) => ({ name: e.name, timeNs: startNs + msToNs(e.offsetMs), attributes: entries(e.attributes) })),
    statusCode: STATUS[span.status],
    statusMessage: span.statusMessage ?? null,
    resource,
  };
}

/** The parsed input (`traceRecordInput`'s output) as decoded spans. */
export function decodeRecord(input: z.output<typeof traceRecordInput>): DecodedRequest {
  const resource = boundedResource(entries(input.resource));
  return { spans: input.spans.map((s) => toIncoming(s, resource)), rejected: 0, errors: [] };
}
