/**
 * Reads an OTLP/HTTP JSON body into incoming spans. OTLP/JSON differs from protobuf's generic JSON
 * mapping: ids are hex, not base64; enums are integers; 64-bit integers may be strings or numbers.
 * The envelope is checked with zod (a body that is not an export request is a 400); each span is
 * checked on its own, so one bad span is refused (partialSuccess) and the others are stored.
 */
import { z } from 'zod';
import { NO_SPANS_FOUND, noteError, scopeOf, UndecodableBody, type DecodedRequest, type IncomingEvent, type IncomingSpan } from './incoming';
import { boundedResource } from './normalise';

const MAX_DEPTH = 8;
// Nanosecond times are beyond 2^53: as numbers they are whole but not "safe", which zod's int() refuses.
const int64 = z.union([z.string().regex(/^-?\d+$/, 'must be an integer'), z.number().refine((n) => Number.isFinite(n) && Math.trunc(n) === n, 'must be an integer')]);
const keyValue = z.object({ key: z.string(), value: z.unknown().optional() });
const keyValues = z.array(keyValue).optional();
const enumValue = (names: readonly string[]) =>
  z.union([z.number().int(), z.enum(names as [string, ...string[]]).transform((name) => names.indexOf(name))]).optional();

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const spanSchema = z.object({
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  parentSpanId: z.string().optional(),
  name: z.string().optional(),
  kind: enumValue(SPAN_KINDS),
  startTimeUnixNano: int64.optional(),
  endTimeUnixNano: int64.optional(),
  attributes: keyValues,
  events: z.array(z.object({ timeUnixNano: int64.optional(), name: z.string().optional(), attributes: keyValues })).optional(),
  status: z.object({ code: enumValue(STATUS_CODES), message: z.string().optional() }).nullish(),
});

const envelope = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValues }).nullish(),
        // The scope is read leniently (scopeOf): a scope of the wrong shape costs its name, not the export.
        scopeSpans: z.array(z.object({ scope: z.unknown().optional(), spans: z.array(z.unknown()).optional() })).optional(),
      }),
    )
    .optional(),
});

/**
 * Field names OTLP/JSON senders should not use but some do: the proto field names (protobuf's JSON
 * mapping lets parsers accept both), and the names OTLP used before `InstrumentationLibrary` became
 * `InstrumentationScope` (v0.15). Each maps to the lowerCamelCase name read here.
 */
const OTHER_FIELD_NAMES: Record<string, string> = {
  resource_spans: 'resourceSpans',
  scope_spans: 'scopeSpans',
  instrumentation_library_spans: 'scopeSpans',
  instrumentationLibrarySpans: 'scopeSpans',
  instrumentation_library: 'scope',
  instrumentationLibrary: 'scope',
  schema_url: 'schemaUrl',
  trace_id: 'traceId',
  span_id: 'spanId',
  parent_span_id: 'parentSpanId',
  trace_state: 'traceState',
  start_time_unix_nano: 'startTimeUnixNano',
  end_time_unix_nano: 'endTimeUnixNano',
  time_unix_nano: 'timeUnixNano',
  dropped_attributes_count: 'droppedAttributesCount',
  dropped_events_count: 'droppedEventsCount',
  dropped_links_count: 'droppedLinksCount',
  string_value: 'stringValue',
  bool_value: 'boolValue',
  int_value: 'intValue',
  double_value: 'doubleValue',
  array_value: 'arrayValue',
  kvlist_value: 'kvlistValue',
  bytes_value: 'bytesValue',
};
/** Whether the text may hold one of those names as a key: a native scan, so the common body costs no walk. */
const OTHER_FIELD_NAME = new RegExp(`"(?:${Object.keys(OTHER_FIELD_NAMES).join('|')})"\\s*:`);

/**
 * Renames the keys of OTHER_FIELD_NAMES in place, everywhere in the parsed body (a lowerCamelCase key
 * present too wins). Iterative, so a deeply nested body cannot overflow the stack.
 */
function renameOtherFields(body: unknown): void {
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const name = Object.hasOwn(OTHER_FIELD_NAMES, key) ? OTHER_FIELD_NAMES[key]! : null;
      if (name !== null) {
        if (!(name in record)) record[name] = record[key];
        delete record[key];
      }
    }
    for (const value of Object.values(record)) pending.push(value);
  }
}

/** Said in a partialSuccess when a body holds no span at all (OTLP/JSON receivers ignore unknown fields, so no 400). */
const NO_SPANS_WARNING = `${NO_SPANS_FOUND}: OTLP/JSON expects resourceSpans[].scopeSpans[].spans[] (lowerCamelCase field names).`;

/**
 * An id as lowercase hex. OTLP/JSON sends hex; tools using protobuf's generic JSON mapping send base64,
 * which is told apart by its length (24 or 12 characters for 16 or 8 bytes) and accepted too.
 */
export function idToHex(id: string | undefined, bytes: number): string {
  if (!id) return '';
  if (id.length === bytes * 2) return id.toLowerCase();
  if (id.length === Math.ceil(bytes / 3) * 4 && /^[A-Za-z0-9+/_-]+=*$/.test(id)) {
    const raw = Buffer.from(id, 'base64');
    if (raw.length === bytes) return raw.toString('hex');
  }
  return id.toLowerCase();
}

/** An OTLP/JSON AnyValue as a plain value. */
export function plainJsonValue(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) {
    const n = typeof v.intValue === 'string' ? Number(v.intValue) : v.intValue;
    if (typeof n !== 'number' || !Number.isFinite(n)) return null;
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if (v.doubleValue !== undefined) {
    const n = typeof v.doubleValue === 'string' ? Number(v.doubleValue) : v.doubleValue;
    return typeof n === 'number' && Number.isFinite(n) ? n : null;
  }
  const list = (x: unknown): unknown[] => (Array.isArray((x as { values?: unknown })?.values) ? (x as { values: unknown[] }).values : []);
  if (v.arrayValue !== undefined) return list(v.arrayValue).map((item) => plainJsonValue(item, depth + 1));
  if (v.kvlistValue !== undefined)
    return Object.fromEntries(
      list(v.kvlistValue)
        .filter((kv): kv is { key: string; value?: unknown } => typeof (kv as { key?: unknown })?.key === 'string')
        .map((kv) => [kv.key, plainJsonValue(kv.value, depth + 1)]),
    );
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  return null;
}

const pairs = (kvs: z.infer<typeof keyValues>): [string, unknown][] => (kvs ?? []).map((kv) => [kv.key, plainJsonValue(kv.value)]);
const nanos = (value: string | number | undefined): bigint => (value === undefined ? 0n : BigInt(typeof value === 'number' ? Math.trunc(value) : value));

/** The first issue of a refused span, as a sentence. */
function issueText(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `span field ${issue.path.join('.') || '(span)'}: ${issue.message}`;
}

/** Decodes the body text; throws UndecodableBody when it is not a JSON ExportTraceServiceRequest. */
export function decodeJson(text: string): DecodedRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new UndecodableBody(`Body is not JSON: ${(err as Error).message}`);
  }
  if (OTHER_FIELD_NAME.test(text)) renameOtherFields(body);
  const parsed = envelope.safeParse(body);
  if (!parsed.success || typeof body !== 'object' || body === null || Array.isArray(body))
    throw new UndecodableBody(`Body is not an OTLP/JSON ExportTraceServiceRequest (${parsed.success ? 'not an object' : issueText(parsed.error).replace('span field ', '')}).`);

  const spans: IncomingSpan[] = [];
  const errors: string[] = [];
  let rejected = 0;
  for (const rs of parsed.data.resourceSpans ?? []) {
    const resource = boundedResource(pairs(rs.resource?.attributes));
    for (const ss of rs.scopeSpans ?? []) {
      const scope = ss.scope !== null && typeof ss.scope === 'object' ? scopeOf((ss.scope as { name?: unknown }).name, (ss.scope as { version?: unknown }).version) : null;
      for (const raw of ss.spans ?? []) {
        const span = spanSchema.safeParse(raw);
        if (!span.success) {
          rejected++;
          noteError(errors, issueText(span.error));
          continue;
        }
        const s = span.data;
        const events: IncomingEvent[] = (s.events ?? []).map((e) => ({ name: e.name ?? '', timeNs: nanos(e.timeUnixNano), attributes: pairs(e.attributes) }));
        spans.push({
          traceId: idToHex(s.traceId, 16),
          spanId: idToHex(s.spanId, 8),
          parentSpanId: idToHex(s.parentSpanId, 8) || null,
          name: s.name ?? '',
          kind: s.kind ?? 0,
          startNs: nanos(s.startTimeUnixNano),
          endNs: nanos(s.endTimeUnixNano),
          attributes: pairs(s.attributes),
          events,
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message || null,
          resource,
          scope,
        });
      }
    }
  }
  const foundNothing = spans.length === 0 && rejected === 0 && Object.keys(body as object).length > 0;
  return { spans, rejected, errors, ...(foundNothing ? { warning: NO_SPANS_WARNING } : {}) };
}
