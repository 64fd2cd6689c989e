/**
 * The mock agent's OpenTelemetry setup, configured as a customer's agent backend would configure it: the
 * stock OTLP/HTTP protobuf exporter pointed at Backstop's `/v1/traces` with the site's secret ingest key.
 *
 * The provider is this module's own instance, never registered globally: the demo runs inside the Backstop
 * server, and a global provider would start tracing the server itself.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { DEMO_RELEASE, planTrace, type PlannedSpan, type TraceInput } from './trace-plan';

export interface DemoTracingOptions {
  /** Where to send spans, e.g. `http://127.0.0.1:4000/v1/traces`; ignored when `exporter` is given. */
  url?: string;
  /** The demo site's secret ingest key (sk_…), sent as `Authorization: Bearer …`. */
  ingestKey?: string;
  /** Another exporter (tests use the SDK's InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** How long the batch waits before it sends spans on its own; each answer also flushes at once. */
  scheduledDelayMillis?: number;
}

/** The trace of one answer: the ids the widget receives with the answer. */
export interface RecordedTrace {
  traceId: string;
  /** The root (`invoke_agent`) span. */
  spanId: string;
}

export interface DemoTracing {
  /** Emits the spans of one answer, starting at `startedAt`, and asks the exporter to send them now. */
  record(input: TraceInput, startedAt: Date): RecordedTrace;
  /** Sends what is still buffered. */
  flush(): Promise<void>;
  /** Sends what is buffered and stops; later `record` calls return ids but export nothing. */
  shutdown(): Promise<void>;
}

/** The service the demo's spans come from, as Review and the export name it. */
export const DEMO_SERVICE_NAME = 'acme-support-agent';
/** An export to our own server answers in milliseconds; a short timeout keeps the server's shutdown short. */
const EXPORT_TIMEOUT_MS = 3000;

const KINDS: Record<PlannedSpan['kind'], SpanKind> = { internal: SpanKind.INTERNAL, client: SpanKind.CLIENT };

/** Starts and ends the planned span and its children under `parent`, at the plan's offsets from `t0` (ms). */
function emit(tracer: Tracer, plan: PlannedSpan, t0: number, parent?: Span): Span {
  const start = t0 + plan.startMs;
  const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
  const span = tracer.startSpan(plan.name, { kind: KINDS[plan.kind], startTime: start, attributes: plan.attributes as Attributes }, ctx);
  for (const child of plan.children) emit(tracer, child, t0, span);
  for (const event of plan.events) span.addEvent(event.name, event.attributes as Attributes, start + event.offsetMs);
  if (plan.error) {
    span.setAttribute('error.type', plan.error.type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: plan.error.message });
  }
  span.end(start + plan.durationMs);
  return span;
}

/** Builds the demo agent's tracer provider and exporter. */
export function createDemoTracing(options: DemoTracingOptions): DemoTracing {
  const exporter =
    options.exporter ??
    new OTLPTraceExporter({
      url: options.url,
      headers: options.ingestKey ? { Authorization: `Bearer ${options.ingestKey}` } : {},
      timeoutMillis: EXPORT_TIMEOUT_MS,
    });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': DEMO_SERVICE_NAME, 'service.version': DEMO_RELEASE }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: options.scheduledDelayMillis ?? 200, exportTimeoutMillis: EXPORT_TIMEOUT_MS })],
  });
  const tracer = provider.getTracer('backstop-demo-agent', DEMO_RELEASE);
  let stopped: Promise<void> | null = null;
  // A second forceFlush returns at once while the first one's export is still in flight: `flush` waits for those too.
  const inFlight = new Set<Promise<void>>();

  return {
    record(input, startedAt) {
      const root = emit(tracer, planTrace(input), startedAt.getTime());
      const { traceId, spanId } = root.spanContext();
      // Not awaited: the answer must not wait for the export; errors are the exporter's to report (and retry).
      if (!stopped) {
        const sending = provider.forceFlush().catch(() => {});
        inFlight.add(sending);
        void sending.finally(() => inFlight.delete(sending));
      }
      return { traceId, spanId };
    },
    flush: async () => {
      await Promise.all([...inFlight, provider.forceFlush()]);
    },
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}
