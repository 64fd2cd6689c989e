/** Storing spans: review cases on a trace, concurrent exports of one trace, exports larger than one statement. */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { cases, spans, traces } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { hex, jsonBody, NOW_NS, protobufBody, type SpanSpec } from '../test/otlp-fixtures';
import { summariseTrace, type SummarySpan } from '../domain/trace-summary';
import { summarySpan } from '../test/summary-span';
import { earliestStart, ingestSpans } from './store';

let database: Database;
let app: FastifyInstance;
let site: CreatedSite;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false });
  site = await createSite(database.db, { name: 'Store test', origins: [] });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const post = (body: string | Buffer, contentType: string) =>
  app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': contentType, authorization: `Bearer ${site.ingestKey}` }, payload: body });
const postJson = (list: SpanSpec[]) => post(JSON.stringify(jsonBody(list)), 'application/json');
const postProto = (list: SpanSpec[]) => post(protobufBody(list), 'application/x-protobuf');
const storedSpans = (traceId: string) => database.db.select().from(spans).where(and(eq(spans.siteId, site.siteId), eq(spans.traceId, traceId)));
const storedTrace = async (traceId: string) => (await database.db.select().from(traces).where(and(eq(traces.siteId, site.siteId), eq(traces.traceId, traceId))))[0];

describe(`storing spans alongside review cases (${testDbKind})`, () => {
  it('should requeue a classified negative case on the trace and give it the trace model and release', async () => {
    const traceId = hex(16);
    const [row] = await database.db
      .insert(cases)
      .values({ siteId: site.siteId, source: 'feedback', sourceId: randomUUID(), conversationId: randomUUID(), traceId, occurredAt: new Date(), rating: -1, negative: true, classifiedAt: new Date(), autoMode: 'unknown' })
      .returning({ id: cases.id });
    await postJson([{ traceId, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm-9', 'backstop.release': 'r-9' } }]);
    const [updated] = await database.db.select().from(cases).where(eq(cases.id, row!.id));
    expect(updated).toMatchObject({ classifiedAt: null, model: 'm-9', release: 'r-9' });
  });

  it('should summarise every span when exports of one trace arrive at the same time', async () => {
    const traceId = hex(16);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? postProto : postJson)([{ traceId, startMs: i }, { traceId, startMs: i }])));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await storedTrace(traceId))!.summary.spanCount).toBe(12);
  });
});

describe(`storing a large export (${testDbKind})`, () => {
  it('should store and summarise a trace whose spans span several INSERT statements, counting each span once', async () => {
    const traceId = hex(16);
    const incoming = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        traceId,
        spanId: hex(8),
        parentSpanId: null,
        name: `step ${i}`,
        kind: 1,
        startNs: NOW_NS + BigInt(i) * 1_000_000n,
        endNs: NOW_NS + BigInt(i) * 1_000_000n + 500_000n,
        attributes: [] as [string, unknown][],
        events: [],
        statusCode: i === 2100 ? 2 : 0,
        statusMessage: null,
        resource: null,
      }));
    const first = incoming(2500);
    const result = await ingestSpans(database.db, site.siteId, { spans: first, rejected: 0, errors: [] });
    expect(result).toMatchObject({ accepted: 2500, rejected: 0, traceIds: [traceId] });
    expect((await storedTrace(traceId))!.summary).toMatchObject({ spanCount: 2500, errorCount: 1 });
    // Half of them again with new ones: the new ones join the stored ones, the repeated ones count once.
    await ingestSpans(database.db, site.siteId, { spans: [...first.slice(0, 1500), ...incoming(600)], rejected: 0, errors: [] });
    expect((await storedTrace(traceId))!.summary.spanCount).toBe(3100);
    expect(await storedSpans(traceId)).toHaveLength(3100);
  });
});

describe('a trace of very many spans', () => {
  it('should find its start and summarise it past the engine argument limit of a spread (~125k)', () => {
    const t0 = Date.UTC(2025, 0, 1);
    const many: SummarySpan[] = Array.from({ length: 200_000 }, (_, i) =>
      summarySpan(i.toString(16).padStart(16, '0'), new Date(t0 + ((i * 7919) % 200_000)), { durationMs: 1 }),
    );
    expect(earliestStart(many).getTime()).toBe(t0);
    expect(summariseTrace(many)).toMatchObject({ spanCount: 200_000, durationMs: 200_000 });
  });
});
