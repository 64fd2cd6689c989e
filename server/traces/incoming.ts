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
}

/** What a decoder makes of a request: the spans it could read, and those it had to refuse with why. */
export interface DecodedRequest {
  spans: IncomingSpan[];
  rejected: number;
  errors: string[];
}

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
