/**
 * A span as the decoders hand it over, whatever it came in as (OTLP protobuf, OTLP JSON, trace.record):
 * ids as the sender wrote them, times in nanoseconds, attribute values already plain JSON-able values.
 * normalise.ts checks and bounds it into a stored row.
 */

export interface IncomingEvent {
  name: string;
  timeNs: bigint;
  attributes: [key: string, value: unknown][];
}

export interface IncomingSpan {
  /** Lowercase hex when well formed; anything else is refused by the normaliser. */
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP SpanKind number. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: [key: string, value: unknown][];
  events: IncomingEvent[];
  /** OTLP StatusCode number. */
  statusCode: number;
  statusMessage: string | null;
  /** The resource's attributes (shared by the spans of one resource). */
  resource: Record<string, unknown> | null;
  /** The instrumentation scope that made the span (shared by the spans of one scope). */
  scope?: InstrumentationScope | null;
}

export interface InstrumentationScope {
  name: string;
  version: string | null;
}

/** A scope as its name and version, or null when it names nothing. Values are cut like attribute keys. */
export function scopeOf(name: unknown, version: unknown): InstrumentationScope | null {
  if (typeof name !== 'string' || !name) return null;
  return { name: name.slice(0, 256), version: typeof version === 'string' && version ? version.slice(0, 256) : null };
}

/** What a decoder makes of a request: the spans it could read, and those it had to refuse with why. */
export interface DecodedRequest {
  spans: IncomingSpan[];
  rejected: number;
  errors: string[];
  /** Said to the sender in a partialSuccess even when nothing was refused (e.g. a body where no span was found). */
  warning?: string;
}

/** Start of the partialSuccess warning for a request where no span was found (each decoder says what it expects). */
export const NO_SPANS_FOUND = 'No spans were found in the request, so nothing was stored';

/** The request could not be read at all (400): not the encoding it claims, or not an export request. */
export class UndecodableBody extends Error {}

/** Lowercase hex of bytes (protobuf ids). */
export function bytesToHex(bytes: Uint8Array | null | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Collects at most a few distinct refusal reasons for the partialSuccess message. */
export function noteError(errors: string[], message: string): void {
  if (errors.length < 5 && !errors.includes(message)) errors.push(message);
}
