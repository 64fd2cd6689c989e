/** `trace.record` and the exported client, against a listening server (and through a caller). */
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTraceClient, newSpanId, newTraceId, TraceClientError, type TraceRecordInput } from '../../shared/trace-client';
import { buildApp } from '../app';
import { createContextInner } from '../context';
import type { Database } from '../db/client';
import { spans, traces } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { appRouter } from '../routers';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { createCallerFactory } from '../trpc';

let database: Database;
let app: FastifyInstance;
let site: CreatedSite;
let url: string;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false });
  site = await createSite(database.db, { name: 'Record test', origins: [] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const storedSpans = (traceId: string) => database.db.select().from(spans).where(and(eq(spans.siteId, site.siteId), eq(spans.traceId, traceId)));

function answerSpans(traceId: string): TraceRecordInput['spans'] {
  const root = newSpanId();
  const start = Date.parse('2026-03-01T10:00:00.000Z');
  return [
    { traceId, spanId: root, name: 'answer', start: new Date(start).toISOString(), durationMs: 1200, attributes: { 'backstop.topic': 'billing', 'backstop.confidence': 0.31 } },
    {
      traceId,
      spanId: newSpanId(),
      parentSpanId: root,
      name: 'chat',
      kind: 'client',
      start: start + 5,
      durationMs: 900,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'claude-x', 'gen_ai.usage.input_tokens': 4000, 'backstop.context.window_tokens': 5000 },
    },
    {
      traceId,
      spanId: newSpanId(),
      parentSpanId: root,
      name: 'retrieval',
      start: start + 920,
      durationMs: 40,
      status: 'error',
      statusMessage: 'index offline',
      attributes: { 'gen_ai.operation.name': 'retrieval', 'backstop.retrieval.sources': 0, 'error.type': 'IndexUnavailable' },
      events: [{ name: 'exception', offsetMs: 30, attributes: { 'exception.type': 'IndexUnavailable', 'exception.message': 'index offline' } }],
    },
  ];
}

describe(`trace.record with the TypeScript client (${testDbKind})`, () => {
  it('should store spans and their trace summary, and store nothing twice when sent again', async () => {
    const client = createTraceClient({ url, ingestKey: site.ingestKey });
    const traceId = newTraceId();
    const input = { spans: answerSpans(traceId), resource: { 'service.name': 'billing-bot' } };
    const result = await client.record(input);
    expect(result).toEqual({ accepted: 3, rejected: 0, errors: [], traceIds: [traceId] });
    expect(await client.record(input)).toEqual({ accepted: 3, rejected: 0, errors: [], traceIds: [] });

    const rows = await storedSpans(traceId);
    expect(rows).toHaveLength(3);
    const retrieval = rows.find((r) => r.name === 'retrieval')!;
    expect(retrieval).toMatchObject({ statusCode: 2, statusMessage: 'index offline', errorType: 'IndexUnavailable', operation: 'retrieval', durationMs: 40 });
    expect(retrieval.events).toEqual([{ name: 'exception', offsetMs: 30, attributes: { 'exception.type': 'IndexUnavailable', 'exception.message': 'index offline' } }]);
    expect(retrieval.attributes.resource).toEqual({ 'service.name': 'billing-bot' });
    expect(rows.find((r) => r.name === 'chat')).toMatchObject({ kind: 3, model: 'claude-x', inputTokens: 4000 });

    const [trace] = await database.db.select().from(traces).where(and(eq(traces.siteId, site.siteId), eq(traces.traceId, traceId)));
    expect(trace!.summary).toMatchObject({ spanCount: 3, confidence: 0.31, topic: 'billing', context: { ratio: 0.8 }, retrieval: { calls: 1, sources: 0 }, errorSpanId: retrieval.spanId });
  });

  it('should throw UNAUTHORIZED for a wrong key, without retrying', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const client = createTraceClient({ url, ingestKey: 'sk_wrong', fetch: counting });
    const error = await client.record({ spans: answerSpans(newTraceId()) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TraceClientError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(calls).toBe(1);
  });

  it('should throw BAD_REQUEST with the fields of an invalid input', async () => {
    const client = createTraceClient({ url, ingestKey: site.ingestKey });
    const [first] = answerSpans(newTraceId());
    const error = await client.record({ spans: [{ ...first!, spanId: '0000000000000000' }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'BAD_REQUEST', fields: { 'spans.0.spanId': expect.stringMatching(/all zeros/) } });
  });

  it('should retry a 503 after its Retry-After and then succeed', async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) return new Response(JSON.stringify({ error: { message: 'down' } }), { status: 503, headers: { 'retry-after': '0' } });
      return fetch(input, init);
    };
    const client = createTraceClient({ url, ingestKey: site.ingestKey, fetch: flaky });
    const result = await client.record({ spans: answerSpans(newTraceId()) });
    expect(result.accepted).toBe(3);
    expect(calls).toBe(2);
  });

  it('should answer through a tRPC caller with the key in the context', async () => {
    const caller = createCallerFactory(appRouter)(createContextInner({ db: database.db, ingestKey: site.ingestKey }));
    const traceId = newTraceId();
    expect(await caller.trace.record({ spans: answerSpans(traceId) })).toMatchObject({ accepted: 3, traceIds: [traceId] });
    const anonymous = createCallerFactory(appRouter)(createContextInner({ db: database.db }));
    await expect(anonymous.trace.record({ spans: answerSpans(newTraceId()) })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
