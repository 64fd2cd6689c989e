/**
 * Spans for the OTLP bench, shaped like an agent backend's: each trace is one answer with an agent span,
 * two LLM calls, a retrieval step and tool calls (one failing with an exception event), with GenAI and
 * `backstop.*` attributes. Fresh random ids on every call, so nothing is skipped as a duplicate.
 */
import { randomBytes } from 'node:crypto';
import { otlpTypes } from '../../server/traces/proto';

/** Spans per trace in generated batches. */
export const SPANS_PER_TRACE = 10;

type Attr = string | number | boolean;
interface BenchSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, Attr>;
  error: string | null;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** `count` spans, SPANS_PER_TRACE per trace. */
export function benchSpans(count: number): BenchSpan[] {
  const out: BenchSpan[] = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  let traceId = '';
  let root = '';
  for (let i = 0; i < count; i++) {
    const k = i % SPANS_PER_TRACE;
    if (k === 0) {
      traceId = hex(16);
      root = hex(8);
    }
    const start = now + BigInt(k) * 50_000_000n;
    const base = { traceId, spanId: k === 0 ? root : hex(8), parentSpanId: k === 0 ? '' : root, startNs: start, endNs: start + 40_000_000n, error: null as string | null };
    if (k === 0)
      out.push({ ...base, name: 'invoke_agent support', attributes: { 'gen_ai.operation.name': 'invoke_agent', 'backstop.topic': 'billing', 'backstop.confidence': 0.62, 'backstop.release': 'r-12' } });
    else if (k <= 2)
      out.push({
        ...base,
        name: 'chat gpt-4o-mini',
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 3000 + k * 1000, 'gen_ai.usage.output_tokens': 250, 'backstop.context.window_tokens': 8000, 'backstop.conversation.turns': 6, 'backstop.prompt.system_tokens': 900 },
      });
    else if (k === 3) out.push({ ...base, name: 'retrieval kb', attributes: { 'gen_ai.operation.name': 'retrieval', 'backstop.retrieval.sources': 3 } });
    else {
      const failing = k === 4;
      out.push({
        ...base,
        name: `execute_tool ${failing ? 'refund.create' : 'crm.lookup'}`,
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': failing ? 'refund.create' : 'crm.lookup', 'backstop.retry.attempt': 1, ...(failing ? { 'error.type': 'timeout' } : {}) },
        error: failing ? 'timed out' : null,
      });
    }
  }
  return out;
}

const anyValue = (v: Attr) => (typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v });
const exception = (s: BenchSpan) => (s.error ? [{ timeUnixNano: String(s.endNs), name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'TimeoutError' } }] }] : []);
/** A resource as a stock OpenTelemetry Node SDK reports it (service, SDK, host and process detectors): it is copied into every stored span. */
const RESOURCE: Record<string, Attr> = {
  'service.name': 'bench-agent',
  'service.version': '1.0.0',
  'deployment.environment.name': 'production',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '2.2.0',
  'host.name': 'agent-7d9f8c6b5-x2kqz',
  'host.arch': 'amd64',
  'process.pid': 48213,
  'process.executable.name': 'node',
  'process.runtime.name': 'nodejs',
  'process.runtime.version': '22.11.0',
  'process.runtime.description': 'Node.js',
  'process.command': '/app/dist/server.js',
  'process.owner': 'node',
};
const resource = { attributes: Object.entries(RESOURCE).map(([key, v]) => ({ key, value: anyValue(v) })) };

/** An OTLP/JSON body (hex ids, string nanos, as the OpenTelemetry JS exporter sends). */
export function jsonBody(spans: BenchSpan[]): Buffer {
  const body = {
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            scope: { name: 'bench' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId,
              name: s.name,
              kind: 1,
              startTimeUnixNano: String(s.startNs),
              endTimeUnixNano: String(s.endNs),
              attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: typeof v === 'number' && Number.isInteger(v) ? { intValue: String(v) } : anyValue(v) })),
              events: exception(s),
              status: s.error ? { code: 2, message: s.error } : {},
            })),
          },
        ],
      },
    ],
  };
  return Buffer.from(JSON.stringify(body));
}

/** The same as an OTLP protobuf body. */
export function protobufBody(spans: BenchSpan[]): Buffer {
  const { request } = otlpTypes();
  const message = request.fromObject({
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            scope: { name: 'bench' },
            spans: spans.map((s) => ({
              traceId: Buffer.from(s.traceId, 'hex'),
              spanId: Buffer.from(s.spanId, 'hex'),
              parentSpanId: Buffer.from(s.parentSpanId, 'hex'),
              name: s.name,
              kind: 1,
              startTimeUnixNano: String(s.startNs),
              endTimeUnixNano: String(s.endNs),
              attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: anyValue(v) })),
              events: exception(s),
              status: s.error ? { code: 2, message: s.error } : {},
            })),
          },
        ],
      },
    ],
  });
  return Buffer.from(request.encode(message).finish());
}

export type { BenchSpan };
