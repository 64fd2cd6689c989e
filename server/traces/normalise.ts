/**
 * From an incoming span to a stored row: ids checked (a span with a missing, all-zero or wrong-length id,
 * or without a name, is refused), attributes bounded (too many or too large is truncated, never
 * refused), and the GenAI conventions read into columns so that Review needs no jsonb to filter.
 */
import { cleanText } from '../../shared/normalise';
import type { SpanEvent } from '../../shared/traces';
import type { spans } from '../db/schema';
import { redactDeep, redactText } from '../domain/redact';
import type { IncomingSpan } from './incoming';

export type SpanRow = Omit<typeof spans.$inferInsert, 'createdAt'> & { attributes: Record<string, unknown>; events: SpanEvent[] };

/** Bounds on what one span keeps. Beyond them attributes and events are dropped (and counted), not refused. */
export const SPAN_LIMITS = {
  attributes: 128,
  /**
   * The resource is copied into every span row of its export, so it is bounded harder than a span's own
   * attributes: a stock SDK's resource (a dozen attributes) is well under a kilobyte of JSON.
   */
  resourceAttributes: 64,
  resourceValueChars: 512,
  /** Characters of the resource's JSON, all attributes together. */
  resourceChars: 4096,
  eventAttributes: 32,
  events: 64,
  /** Characters of a string value, and of the JSON of a list or map value. */
  valueChars: 4096,
  keyChars: 256,
  nameChars: 1024,
} as const;

/** Attribute keys read into columns, from the GenAI semantic conventions. */
export const GEN_AI = {
  operation: 'gen_ai.operation.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  toolName: 'gen_ai.tool.name',
  errorType: 'error.type',
} as const;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const nonZero = (id: string) => /[1-9a-f]/.test(id);

/**
 * Span times a row can hold: 1970 to the end of 9999 (UTC), the range signals accept (shared/schemas.ts).
 * Outside it a JavaScript Date is invalid or the database refuses it; such a span is refused, not stored.
 */
const EARLIEST_NS = 0n;
const LATEST_NS = BigInt(Date.UTC(9999, 11, 31, 23, 59, 59, 999)) * 1_000_000n;

/** Why a span is refused, or null when its ids and name are usable. */
export function refusalOf(span: IncomingSpan): string | null {
  if (!TRACE_ID.test(span.traceId) || !nonZero(span.traceId)) return 'traceId must be 16 bytes (32 hex characters), not all zero';
  if (!SPAN_ID.test(span.spanId) || !nonZero(span.spanId)) return 'spanId must be 8 bytes (16 hex characters), not all zero';
  if (span.parentSpanId !== null && span.parentSpanId !== '' && !SPAN_ID.test(span.parentSpanId)) return 'parentSpanId must be 8 bytes (16 hex characters) or empty';
  if (!cleanText(span.name).trim()) return 'name is required';
  if (span.startNs <= EARLIEST_NS) return 'startTimeUnixNano is required';
  if (span.startNs > LATEST_NS) return 'startTimeUnixNano must be a time between 1970 and 9999 (UTC), in nanoseconds';
  // An end before the start is stored as a zero duration (toSpanRow); an end past 9999 is a bad clock or unit.
  if (span.endNs > LATEST_NS) return 'endTimeUnixNano must be a time between 1970 and 9999 (UTC), in nanoseconds';
  return null;
}

/** A value jsonb can store: U+0000 and lone surrogates removed from every string in it, keys included (shared/normalise.ts). */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), storable(v)]));
}

/** A value within the size bound: long strings are cut, large lists and maps become their cut JSON text. */
function bounded(value: unknown, maxChars: number): unknown {
  const clean = storable(value);
  if (typeof clean === 'string') return clean.length > maxChars ? clean.slice(0, maxChars) + '…' : clean;
  if (clean === null || typeof clean !== 'object') return clean;
  const json = JSON.stringify(clean);
  return json.length > maxChars ? json.slice(0, maxChars) + '…' : clean;
}

/** The first `max` attributes (later duplicates of a key win, as OpenTelemetry SDKs do), and how many were dropped. */
export function boundedAttributes(
  pairs: readonly [string, unknown][],
  max: number,
  valueChars: number = SPAN_LIMITS.valueChars,
): { values: Record<string, unknown>; dropped: number } {
  const values: Record<string, unknown> = {};
  let count = 0;
  let dropped = 0;
  for (const [rawKey, value] of pairs) {
    const key = cleanText(rawKey).slice(0, SPAN_LIMITS.keyChars);
    if (!key || key === 'resource' || value === undefined) {
      dropped++;
      continue;
    }
    if (!(key in values)) {
      if (count >= max) {
        dropped++;
        continue;
      }
      count++;
    }
    values[key] = bounded(value, valueChars);
  }
  return { values, dropped };
}

const nsToMs = (ns: bigint) => Number(ns / 1000n) / 1000;
/** Largest event offset kept: the whole range of span times. */
const MAX_OFFSET_MS = nsToMs(LATEST_NS);

/** A finite integer from an attribute (ints arrive as numbers or, beyond 2^53, strings). */
function intOf(value: unknown): number | null {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.max(-2147483648, Math.min(2147483647, Math.trunc(n))) : null;
}
const textOf = (value: unknown, max = 256): string | null => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : null);

/** Resources are shared by the spans of an export: each is redacted once. */
const redactedResources = new WeakMap<Record<string, unknown>, Record<string, unknown>>();
function redactedResource(resource: Record<string, unknown>): Record<string, unknown> {
  let redacted = redactedResources.get(resource);
  if (!redacted) redactedResources.set(resource, (redacted = redactDeep(resource)));
  return redacted;
}

/**
 * The stored row of a span that passed `refusalOf`. With `redact` (the site's setting, on by default),
 * string attribute values (the span's, its events' and its resource's) and the status message are
 * redacted (domain/redact.ts) before the GenAI columns are read from them; keys and names are kept.
 */
export function toSpanRow(siteId: string, span: IncomingSpan, opts: { redact?: boolean } = {}): SpanRow {
  const redact = opts.redact !== false;
  const bounded = boundedAttributes(span.attributes, SPAN_LIMITS.attributes);
  const attributes = redact ? redactDeep(bounded.values) : bounded.values;
  const dropped = bounded.dropped;
  if (dropped > 0) attributes['backstop.dropped_attributes'] = dropped;
  // Where non-OTLP exporters put the instrumentation scope; a span's own attribute of the name wins.
  if (span.scope) {
    attributes['otel.scope.name'] ??= cleanText(span.scope.name);
    if (span.scope.version) attributes['otel.scope.version'] ??= cleanText(span.scope.version);
  }
  if (span.resource && Object.keys(span.resource).length > 0) attributes.resource = redact ? redactedResource(span.resource) : span.resource;

  const events: SpanEvent[] = span.events.slice(0, SPAN_LIMITS.events).map((e) => {
    const values = boundedAttributes(e.attributes, SPAN_LIMITS.eventAttributes).values;
    // Clamped: an event time of hundreds of digits would make an offset of Infinity (stored as null).
    const offsetMs = Math.min(MAX_OFFSET_MS, Math.max(0, nsToMs(e.timeNs - span.startNs)));
    return { name: cleanText(e.name).slice(0, SPAN_LIMITS.keyChars) || 'event', offsetMs, attributes: redact ? redactDeep(values) : values };
  });
  if (span.events.length > SPAN_LIMITS.events) attributes['backstop.dropped_events'] = span.events.length - SPAN_LIMITS.events;

  const exception = events.find((e) => e.name === 'exception');
  const errorType = textOf(attributes[GEN_AI.errorType]) ?? (span.statusCode === 2 ? textOf(exception?.attributes['exception.type']) : null);
  const startMs = nsToMs(span.startNs);
  return {
    siteId,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId || null,
    name: cleanText(span.name).trim().slice(0, SPAN_LIMITS.nameChars),
    kind: span.kind >= 0 && span.kind <= 5 ? span.kind : 0,
    startTime: new Date(startMs),
    durationMs: span.endNs > span.startNs ? nsToMs(span.endNs - span.startNs) : 0,
    statusCode: span.statusCode === 1 || span.statusCode === 2 ? span.statusCode : 0,
    statusMessage: span.statusMessage ? (redact ? redactText(cleanText(span.statusMessage).slice(0, SPAN_LIMITS.valueChars)) : cleanText(span.statusMessage).slice(0, SPAN_LIMITS.valueChars)) : null,
    operation: textOf(attributes[GEN_AI.operation], 64),
    model: textOf(attributes[GEN_AI.requestModel]) ?? textOf(attributes[GEN_AI.responseModel]),
    toolName: textOf(attributes[GEN_AI.toolName]),
    errorType,
    inputTokens: intOf(attributes[GEN_AI.inputTokens]),
    outputTokens: intOf(attributes[GEN_AI.outputTokens]),
    attributes,
    events,
  };
}

/** Resource keys trace summaries read (domain/trace-summary.ts): kept first, so a large resource cannot crowd them out. */
const readFromResource = (key: string) => key.startsWith('service.') || key.startsWith('backstop.');

/**
 * Bounds a resource's attributes once for all its spans (the decoders call it per resource, not per span):
 * at most `resourceAttributes` of them, each value cut to `resourceValueChars`, and attributes past
 * `resourceChars` of JSON in all dropped. The number dropped is kept as `backstop.dropped_attributes`.
 */
export function boundedResource(pairs: readonly [string, unknown][]): Record<string, unknown> | null {
  if (pairs.length === 0) return null;
  const ordered = [...pairs.filter(([k]) => readFromResource(k)), ...pairs.filter(([k]) => !readFromResource(k))];
  const { values, dropped: droppedByCount } = boundedAttributes(ordered, SPAN_LIMITS.resourceAttributes, SPAN_LIMITS.resourceValueChars);
  const resource: Record<string, unknown> = {};
  let dropped = droppedByCount;
  let chars = 2;
  for (const [key, value] of Object.entries(values)) {
    // The JSON of `"key":value,`; a value cut to resourceValueChars can still be escaped to more.
    const size = JSON.stringify(key).length + JSON.stringify(value).length + 2;
    if (chars + size > SPAN_LIMITS.resourceChars) {
      dropped++;
      continue;
    }
    chars += size;
    resource[key] = value;
  }
  if (dropped > 0) resource['backstop.dropped_attributes'] = dropped;
  return Object.keys(resource).length > 0 ? resource : null;
}
