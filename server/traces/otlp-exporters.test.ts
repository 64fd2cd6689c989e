/**
 * The stock OpenTelemetry JS exporters (OTLP/HTTP JSON and protobuf, plain and gzip) sending to a
 * listening server, as an agent backend configured only with an endpoint and a header would.
 */
import { ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { spans, traces } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let app: FastifyInstance;
let site: CreatedSite;
let endpoint: string;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false });
  site = await createSite(database.db, { name: 'Exporter test', origins: [] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/traces`;
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const EXPORTERS = [
  { name: 'JSON', make: (headers: Record<string, string>, compression: string) => new JsonExporter({ url: endpoint, headers, compression: compression as never }) },
  { name: 'protobuf', make: (headers: Record<string, string>, compression: string) => new ProtoExporter({ url: endpoint, headers, compression: compression as never }) },
];

/** One answer of a support agent: an agent span, an LLM call, a tool that timed out and was retried. */
async function reportAnswer(exporter: JsonExporter | ProtoExporter) {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-agent', 'service.version': '2.4.0' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('agent');
  // Parents passed explicitly: the test registers no global context manager.
  const root = tracer.startSpan('invoke_agent support');
  const inRoot = trace.setSpan(ROOT_CONTEXT, root);
  root.setAttributes({ 'gen_ai.operation.name': 'invoke_agent', 'backstop.topic': 'refunds', 'backstop.confidence': 0.42, 'backstop.release': 'r-77' });
  const chat = tracer.startSpan('chat gpt-4o-mini', {}, inRoot);
  chat.setAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 7500,
    'gen_ai.usage.output_tokens': 320,
    'backstop.context.window_tokens': 8000,
    'backstop.conversation.turns': 14,
    'custom.flags': ['a', 'b'],
  });
  chat.end();
  const tools: Span[] = [];
  for (const attempt of [1, 2]) {
    const tool = tracer.startSpan('execute_tool refund.create', {}, inRoot);
    tool.setAttributes({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund.create', 'backstop.retry.attempt': attempt, 'error.type': 'timeout' });
    tool.recordException({ name: 'TimeoutError', message: 'refund service did not answer in 5 s' });
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'timed out' });
    tool.end();
    tools.push(tool);
  }
  root.end();
  const ids = { root: root.spanContext().spanId, chat: chat.spanContext().spanId, tool1: tools[0]!.spanContext().spanId, tool2: tools[1]!.spanContext().spanId };
  const traceId = root.spanContext().traceId;
  // A refused export rejects the flush; the caller checks what was stored either way.
  const exported = await provider.forceFlush().then(
    () => true,
    () => false,
  );
  await provider.shutdown().catch(() => {});
  return { traceId, ids, exported };
}

describe(`OTLP/HTTP from the OpenTelemetry JS exporters (${testDbKind})`, () => {
  for (const { name, make } of EXPORTERS) {
    for (const compression of ['none', 'gzip']) {
      it(`should store every span of a ${name} export (${compression}) with its GenAI attributes, status and events`, async () => {
        const { traceId, ids, exported } = await reportAnswer(make({ Authorization: `Bearer ${site.ingestKey}` }, compression));
        expect(exported).toBe(true);
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        const rows = await database.db.select().from(spans).where(and(eq(spans.siteId, site.siteId), eq(spans.traceId, traceId)));
        expect(rows).toHaveLength(4);
        const byId = new Map(rows.map((r) => [r.spanId, r]));

        const chat = byId.get(ids.chat!)!;
        expect(chat).toMatchObject({ parentSpanId: ids.root, name: 'chat gpt-4o-mini', operation: 'chat', model: 'gpt-4o-mini', inputTokens: 7500, outputTokens: 320, statusCode: 0 });
        expect(chat.attributes).toMatchObject({ 'custom.flags': ['a', 'b'], 'backstop.context.window_tokens': 8000, resource: { 'service.name': 'support-agent' } });

        const tool = byId.get(ids.tool2!)!;
        expect(tool).toMatchObject({ toolName: 'refund.create', errorType: 'timeout', statusCode: 2, statusMessage: 'timed out' });
        expect(tool.events).toEqual([
          expect.objectContaining({ name: 'exception', attributes: expect.objectContaining({ 'exception.type': 'TimeoutError', 'exception.message': 'refund service did not answer in 5 s' }) }),
        ]);
        expect(byId.get(ids.root!)!.parentSpanId).toBeNull();

        const [trace] = await database.db.select().from(traces).where(and(eq(traces.siteId, site.siteId), eq(traces.traceId, traceId)));
        expect(trace).toMatchObject({ model: 'gpt-4o-mini', topic: 'refunds', release: 'r-77' });
        expect(trace!.summary).toMatchObject({
          spanCount: 4,
          errorCount: 2,
          confidence: 0.42,
          context: { spanId: ids.chat, inputTokens: 7500, windowTokens: 8000, ratio: 0.9375, turns: 14 },
          tools: [{ name: 'refund.create', spanId: ids.tool2, status: 'error', error: 'timeout', attempts: 2 }],
          errorSpanId: ids.tool1,
        });
      });
    }

    it(`should store nothing from a ${name} exporter with a wrong key`, async () => {
      const { traceId, exported } = await reportAnswer(make({ Authorization: 'Bearer sk_not-a-key' }, 'none'));
      expect(exported).toBe(false);
      const rows = await database.db.select().from(spans).where(eq(spans.traceId, traceId));
      expect(rows).toHaveLength(0);
    });
  }
});

describe(`an OpenTelemetry JS exporter retrying after a 503 (${testDbKind})`, () => {
  for (const { name, make } of EXPORTERS) {
    it(`should store each span once when a ${name} export was stored but answered 503 with Retry-After`, async () => {
      // Another instance, whose first answer to an export is lost to an outage after the spans were stored:
      // the worst case for a retry, which must store nothing twice.
      const flaky = await buildApp({ database, webhooks: false });
      let answered = 0;
      flaky.addHook('onSend', async (req, reply, payload) => {
        if (req.url !== '/v1/traces' || answered++ > 0) return payload;
        reply.code(503).header('retry-after', '1').type('application/json');
        return JSON.stringify({ code: 14, message: 'Storage is unavailable; retry later.' });
      });
      await flaky.listen({ host: '127.0.0.1', port: 0 });
      try {
        const address = flaky.server.address();
        const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/traces`;
        const headers = { Authorization: `Bearer ${site.ingestKey}` };
        const exporter = name === 'JSON' ? new JsonExporter({ url, headers }) : new ProtoExporter({ url, headers });
        const started = Date.now();
        const { traceId, exported } = await reportAnswer(exporter);
        expect(exported).toBe(true);
        // SimpleSpanProcessor exports each span as it ends: the first export was answered twice (503, then 200).
        expect(answered).toBe(5);
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        const rows = await database.db.select().from(spans).where(and(eq(spans.siteId, site.siteId), eq(spans.traceId, traceId)));
        expect(rows).toHaveLength(4);
        const [stored] = await database.db.select().from(traces).where(and(eq(traces.siteId, site.siteId), eq(traces.traceId, traceId)));
        expect(stored!.summary.spanCount).toBe(4);
      } finally {
        await flaky.close();
      }
    });
  }
});
