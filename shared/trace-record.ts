/**
 * Input of `trace.record`: spans as a backend without OpenTelemetry reports them. The same storing path
 * as `POST /v1/traces` handles them (ids, attribute bounds, GenAI conventions, summaries).
 */
import { z } from 'zod';
import type { TraceRecordInput as ClientTraceRecordInput } from './trace-client';

/** Most spans in one `trace.record` call (an OTLP export may hold more; see the body limit of /v1/traces). */
export const MAX_RECORD_SPANS = 1000;

const hex = (chars: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${chars}}$`), `must be ${chars} hex characters (the ${what})`)
    .refine((id) => /[1-9a-fA-F]/.test(id), `must not be all zeros (an invalid ${what})`)
    .transform((id) => id.toLowerCase());

/** A trace id: 32 hex characters, as the widget receives it with each answer. */
export const traceIdSchema = hex(32, 'trace id');
/** A span id: 16 hex characters. */
export const spanIdSchema = hex(16, 'span id');

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** An attribute value as OpenTelemetry allows it: a scalar or a list of scalars. */
export const attributeValueSchema = z.union([scalar, z.array(scalar)]);
const attributes = z.record(z.string().min(1).max(256), attributeValueSchema.nullable());

/** A time: ISO 8601 with an offset, or epoch milliseconds. */
const time = z.union([z.iso.datetime({ offset: true }), z.number().nonnegative().max(8.64e15)]);

export const recordSpanSchema = z.object({
  traceId: traceIdSchema,
  spanId: spanIdSchema,
  parentSpanId: spanIdSchema.nullish(),
  name: z.string().trim().min(1, 'is required').max(1024),
  kind: z.enum(['internal', 'server', 'client', 'producer', 'consumer']).optional(),
  start: time,
  durationMs: z.number().nonnegative().max(7 * 24 * 3600 * 1000),
  status: z.enum(['unset', 'ok', 'error']).default('unset'),
  statusMessage: z.string().max(4096).optional(),
  /** GenAI attributes (`gen_ai.*`), `backstop.*` and any others (bounded on storage, not refused). */
  attributes: attributes.optional(),
  events: z
    .array(z.object({ name: z.string().min(1).max(256), offsetMs: z.number().nonnegative().default(0), attributes: attributes.optional() }))
    .max(1000)
    .optional(),
});

export const traceRecordInput = z.object({
  spans: z.array(recordSpanSchema).min(1).max(MAX_RECORD_SPANS),
  /** Attributes of the reporting service (OpenTelemetry's resource), e.g. `service.name`. */
  resource: attributes.optional(),
});

export type TraceRecordInput = z.input<typeof traceRecordInput>;
export type RecordSpan = z.output<typeof recordSpanSchema>;
export type { TraceRecordResult } from './trace-client';

// The client spells the input out without zod (so its build needs none): this fails to compile when the
// schema above and the client's TraceRecordInput stop accepting the same values.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MustBeTrue<T extends true> = T;
export type ClientInputMatchesSchema = MustBeTrue<Same<TraceRecordInput, ClientTraceRecordInput>>;
