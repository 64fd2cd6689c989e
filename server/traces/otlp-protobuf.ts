/** Reads an OTLP/HTTP protobuf body (ExportTraceServiceRequest) into incoming spans, with protobufjs. */
import { bytesToHex, NO_SPANS_FOUND, scopeOf, UndecodableBody, type DecodedRequest, type IncomingSpan } from './incoming';
import { boundedResource } from './normalise';
import { otlpTypes } from './proto';

/** protobufjs' 64-bit integer (the `long` package). */
interface Long {
  toNumber(): number;
  toString(): string;
}

// The decoded message's shape, as protobufjs builds it from the .proto files (camelCase fields).
interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Long | number;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] };
  kvlistValue?: { values?: PbKeyValue[] };
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key?: string;
  value?: PbAnyValue | null;
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Long | number;
  endTimeUnixNano?: Long | number;
  attributes?: PbKeyValue[];
  events?: { timeUnixNano?: Long | number; name?: string; attributes?: PbKeyValue[] }[];
  status?: { code?: number; message?: string } | null;
}
interface PbRequest {
  resourceSpans?: { resource?: { attributes?: PbKeyValue[] } | null; scopeSpans?: { scope?: { name?: string; version?: string } | null; spans?: PbSpan[] }[] }[];
}

const MAX_DEPTH = 8;

/** An int64 as a number when it is exact, else its decimal text (what JSON can hold without loss). */
function int64(value: Long | number): number | string {
  if (typeof value === 'number') return value;
  const n = value.toNumber();
  return Number.isSafeInteger(n) ? n : value.toString();
}

function nanos(value: Long | number | undefined): bigint {
  if (value === undefined) return 0n;
  return typeof value === 'number' ? BigInt(Math.trunc(value)) : BigInt(value.toString());
}

/** An AnyValue as a plain value: scalars, arrays, objects for kvlists, base64 text for bytes. */
export function plainValue(value: PbAnyValue | null | undefined, depth = 0): unknown {
  if (!value || depth > MAX_DEPTH) return null;
  // Decoded messages keep defaults on their prototype ("" for stringValue…): only own fields were sent.
  const has = (field: keyof PbAnyValue) => Object.prototype.hasOwnProperty.call(value, field) && value[field] !== null;
  if (has('stringValue')) return value.stringValue;
  if (has('boolValue')) return value.boolValue;
  if (has('intValue')) return int64(value.intValue!);
  if (has('doubleValue')) return value.doubleValue;
  if (has('arrayValue')) return (value.arrayValue!.values ?? []).map((v) => plainValue(v, depth + 1));
  if (has('kvlistValue')) return Object.fromEntries((value.kvlistValue!.values ?? []).map((kv) => [kv.key ?? '', plainValue(kv.value, depth + 1)]));
  if (has('bytesValue')) return Buffer.from(value.bytesValue!).toString('base64');
  return null;
}

const pairs = (kvs: PbKeyValue[] | undefined): [string, unknown][] => (kvs ?? []).map((kv) => [kv.key ?? '', plainValue(kv.value)]);

/** Decodes the body; throws UndecodableBody when it is not an ExportTraceServiceRequest. */
export function decodeProtobuf(body: Uint8Array): DecodedRequest {
  const { request } = otlpTypes();
  let message: PbRequest;
  try {
    // protobufjs decodes lazily per oneof; a field of the wrong wire type or a truncated buffer throws.
    message = request.decode(body) as unknown as PbRequest;
  } catch (err) {
    throw new UndecodableBody(`Body is not a protobuf ExportTraceServiceRequest: ${(err as Error).message}`);
  }
  const spans: IncomingSpan[] = [];
  const errors: string[] = [];
  for (const rs of message.resourceSpans ?? []) {
    const resource = boundedResource(pairs(rs.resource?.attributes));
    for (const ss of rs.scopeSpans ?? []) {
      const scope = scopeOf(ss.scope?.name, ss.scope?.version);
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: bytesToHex(s.traceId),
          spanId: bytesToHex(s.spanId),
          parentSpanId: bytesToHex(s.parentSpanId) || null,
          name: s.name ?? '',
          kind: s.kind ?? 0,
          startNs: nanos(s.startTimeUnixNano),
          endNs: nanos(s.endTimeUnixNano),
          attributes: pairs(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name ?? '', timeNs: nanos(e.timeUnixNano), attributes: pairs(e.attributes) })),
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message || null,
          resource,
          scope,
        });
      }
    }
  }
  // Bytes that decode to no span: fields of another message (a metrics or logs export sent here?).
  return { spans, rejected: 0, errors, ...(spans.length === 0 && body.length > 0 ? { warning: `${NO_SPANS_FOUND}: the body decodes as an ExportTraceServiceRequest without resourceSpans[].scopeSpans[].spans[].` } : {}) };
}
