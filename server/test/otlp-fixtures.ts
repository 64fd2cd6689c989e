/** OTLP request bodies built by hand for the ingestion tests: JSON as OTLP/JSON writes it, and the same as protobuf. */
import { randomBytes } from 'node:crypto';
import { otlpTypes } from '../traces/proto';

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** Start of the spans built here, in nanoseconds. */
export const NOW_NS = BigInt(Date.now()) * 1_000_000n;

export interface SpanSpec {
  traceId?: string;
  spanId?: string;
  name?: string;
  startMs?: number;
  durationMs?: number;
  attributes?: Record<string, string | number | boolean>;
  error?: string;
}

/** An OTLP/JSON AnyValue. */
const anyValue = (v: string | number | boolean) =>
  typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };

function jsonSpan(s: SpanSpec) {
  const start = NOW_NS + BigInt((s.startMs ?? 0) * 1_000_000);
  return {
    traceId: s.traceId ?? hex(16),
    spanId: s.spanId ?? hex(8),
    name: s.name ?? 'chat',
    kind: 1,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + BigInt((s.durationMs ?? 10) * 1_000_000)),
    attributes: Object.entries(s.attributes ?? {}).map(([key, value]) => ({ key, value: anyValue(value) })),
    status: s.error ? { code: 2, message: s.error } : {},
  };
}

export const jsonBody = (list: SpanSpec[]) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] }, scopeSpans: [{ scope: { name: 't', version: '0.1.0' }, spans: list.map(jsonSpan) }] }],
});

/** The same request as protobuf: ids as bytes, times as fixed64. */
export function protobufBody(list: SpanSpec[]): Buffer {
  const { request } = otlpTypes();
  const json = jsonBody(list);
  const toBytes = (id: string) => Buffer.from(id, 'hex');
  const message = request.fromObject({
    resourceSpans: json.resourceSpans.map((rs) => ({
      resource: rs.resource,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: ss.scope,
        spans: ss.spans.map((s) => ({
          ...s,
          traceId: toBytes(s.traceId),
          spanId: toBytes(s.spanId),
          attributes: s.attributes.map((kv) => ({ key: kv.key, value: 'intValue' in kv.value ? { intValue: Number(kv.value.intValue) } : kv.value })),
        })),
      })),
    })),
  });
  return Buffer.from(request.encode(message).finish());
}
