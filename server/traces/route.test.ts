/** `POST /v1/traces` answers as the OTLP/HTTP specification says, for bodies built by hand. */
import { gzipSync } from 'node:zlib';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { spans, traces } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { hex, jsonBody, NOW_NS, protobufBody, type SpanSpec } from '../test/otlp-fixtures';
import { otlpTypes } from './proto';

let database: Database;
let app: FastifyInstance;
let site: CreatedSite;
const BODY_LIMIT = 64 * 1024;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false, tracesBodyLimit: BODY_LIMIT });
  site = await createSite(database.db, { name: 'OTLP test', origins: [] });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

function post(body: string | Buffer, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/v1/traces',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${site.ingestKey}`, ...headers },
    payload: body,
  });
}
const postJson = (list: SpanSpec[], headers: Record<string, string> = {}) => post(JSON.stringify(jsonBody(list)), headers);
const postProto = (list: SpanSpec[], headers: Record<string, string> = {}) => post(protobufBody(list), { 'content-type': 'application/x-protobuf', ...headers });

const storedSpans = (traceId: string) => database.db.select().from(spans).where(and(eq(spans.siteId, site.siteId), eq(spans.traceId, traceId)));
const storedTrace = async (traceId: string) => (await database.db.select().from(traces).where(and(eq(traces.siteId, site.siteId), eq(traces.traceId, traceId))))[0];

describe(`POST /v1/traces (${testDbKind})`, () => {
  it('should answer a JSON export with an empty JSON ExportTraceServiceResponse', async () => {
    const traceId = hex(16);
    const res = await postJson([{ traceId, name: 'chat', attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm-1' } }]);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({});
    expect(await storedSpans(traceId)).toHaveLength(1);
  });

  it('should answer a protobuf export with a protobuf ExportTraceServiceResponse', async () => {
    const traceId = hex(16);
    const res = await postProto([{ traceId, attributes: { 'gen_ai.usage.input_tokens': 12 } }]);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    const answer = otlpTypes().response.toObject(otlpTypes().response.decode(res.rawPayload));
    expect(answer.partialSuccess).toBeUndefined();
    const [row] = await storedSpans(traceId);
    expect(row!.inputTokens).toBe(12);
    expect(row!.traceId).toBe(traceId);
  });

  for (const [name, send] of [
    ['JSON', (list: SpanSpec[]) => post(gzipSync(JSON.stringify(jsonBody(list))), { 'content-encoding': 'gzip' })],
    ['protobuf', (list: SpanSpec[]) => post(gzipSync(protobufBody(list)), { 'content-encoding': 'gzip', 'content-type': 'application/x-protobuf' })],
  ] as const) {
    it(`should inflate a gzip ${name} body`, async () => {
      const traceId = hex(16);
      const res = await send([{ traceId }, { traceId }]);
      expect(res.statusCode).toBe(200);
      expect(await storedSpans(traceId)).toHaveLength(2);
    });
  }

  it('should refuse spans with bad ids or no name in partialSuccess, and store the others (JSON)', async () => {
    const traceId = hex(16);
    const res = await postJson([{ traceId }, { traceId, spanId: '0000000000000000' }, { traceId: 'abc' }, { traceId, name: '' }, { traceId: '0'.repeat(32) }]);
    expect(res.statusCode).toBe(200);
    const { partialSuccess } = res.json();
    expect(partialSuccess.rejectedSpans).toBe('4');
    expect(partialSuccess.errorMessage).toMatch(/spanId must be 8 bytes/);
    expect(partialSuccess.errorMessage).toMatch(/traceId must be 16 bytes/);
    expect(partialSuccess.errorMessage).toMatch(/name is required/);
    expect(await storedSpans(traceId)).toHaveLength(1);
  });

  it('should count refused spans in a protobuf partialSuccess', async () => {
    const res = await postProto([{}, { spanId: 'abcd' }]);
    expect(res.statusCode).toBe(200);
    const answer = otlpTypes().response.toObject(otlpTypes().response.decode(res.rawPayload), { longs: Number });
    expect(answer.partialSuccess).toMatchObject({ rejectedSpans: 1, errorMessage: expect.stringMatching(/spanId/) });
  });

  it('should refuse a span of the wrong shape without refusing the request', async () => {
    const body = jsonBody([{}]);
    (body.resourceSpans[0]!.scopeSpans[0]!.spans as unknown[]).push({ traceId: 42, name: ['x'] });
    const res = await post(JSON.stringify(body));
    expect(res.statusCode).toBe(200);
    expect(res.json().partialSuccess.rejectedSpans).toBe('1');
  });

  it('should truncate too many and too large attributes instead of refusing the span', async () => {
    const traceId = hex(16);
    const attributes: Record<string, string> = { big: 'x'.repeat(10_000) };
    for (let i = 0; i < 200; i++) attributes[`k${i}`] = `v${i}`;
    const res = await postJson([{ traceId, attributes }]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    const [row] = await storedSpans(traceId);
    const stored = row!.attributes;
    expect(Object.keys(stored).filter((k) => k !== 'resource' && !k.startsWith('backstop.') && !k.startsWith('otel.scope.'))).toHaveLength(128);
    expect((stored.big as string).length).toBeLessThanOrEqual(4097);
    expect(stored['backstop.dropped_attributes']).toBe(73);
    expect(stored.resource).toEqual({ 'service.name': 'agent' });
  });

  it('should store nothing twice when an exporter retries the same export', async () => {
    const traceId = hex(16);
    const list = [{ traceId, spanId: hex(8) }, { traceId, spanId: hex(8), error: 'boom' }];
    const body = protobufBody(list);
    for (let i = 0; i < 3; i++) expect((await post(body, { 'content-type': 'application/x-protobuf' })).statusCode).toBe(200);
    expect(await storedSpans(traceId)).toHaveLength(2);
    expect((await storedTrace(traceId))!.summary.spanCount).toBe(2);
  });

  it('should recompute one summary from spans of a trace sent over several exports, in any order', async () => {
    const traceId = hex(16);
    await postJson([{ traceId, name: 'execute_tool search', startMs: 50, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' }, error: 'timeout' }]);
    expect((await storedTrace(traceId))!.summary).toMatchObject({ spanCount: 1, model: null, tools: [{ name: 'search', status: 'error', attempts: 1 }] });
    await postProto([
      { traceId, name: 'chat', startMs: 10, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm-2', 'gen_ai.usage.input_tokens': 900, 'backstop.context.window_tokens': 1000 } },
      { traceId, name: 'execute_tool search', startMs: 80, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'backstop.retry.attempt': 2 } },
    ]);
    const trace = await storedTrace(traceId);
    expect(trace).toMatchObject({ model: 'm-2' });
    expect(trace!.summary).toMatchObject({ spanCount: 3, llmCalls: 1, context: { ratio: 0.9 }, tools: [{ name: 'search', status: 'unset', attempts: 2, error: 'timeout' }] });
    expect(trace!.startedAt.getTime()).toBe(Number((NOW_NS + 10_000_000n) / 1_000_000n));
  });

  it('should refuse a span whose time is out of range into partialSuccess, storing the others (JSON)', async () => {
    const traceId = hex(16);
    const body = jsonBody([{ traceId }, { traceId }, { traceId }]);
    const [, late, ended] = body.resourceSpans[0]!.scopeSpans[0]!.spans;
    late!.startTimeUnixNano = '99999999999999999999999';
    ended!.endTimeUnixNano = '9'.repeat(400);
    const res = await post(JSON.stringify(body));
    expect(res.statusCode).toBe(200);
    const { partialSuccess } = res.json();
    expect(partialSuccess.rejectedSpans).toBe('2');
    expect(partialSuccess.errorMessage).toMatch(/startTimeUnixNano must be a time between 1970 and 9999/);
    expect(partialSuccess.errorMessage).toMatch(/endTimeUnixNano must be a time between 1970 and 9999/);
    expect(await storedSpans(traceId)).toHaveLength(1);
  });

  it('should store a protobuf span at the far end of fixed64 time (year 2554), end before start as no duration', async () => {
    const traceId = hex(16);
    const { request } = otlpTypes();
    const decoded = request.toObject(request.decode(protobufBody([{ traceId, name: 'far' }, { traceId, name: 'backwards' }])));
    const [far, backwards] = decoded.resourceSpans[0].scopeSpans[0].spans;
    far.startTimeUnixNano = far.endTimeUnixNano = '18446744073709551615';
    backwards.endTimeUnixNano = 1;
    const res = await post(Buffer.from(request.encode(request.fromObject(decoded)).finish()), { 'content-type': 'application/x-protobuf' });
    expect(res.statusCode).toBe(200);
    expect(otlpTypes().response.decode(res.rawPayload).toJSON()).toEqual({});
    const rows = await storedSpans(traceId);
    expect(rows.map((r) => [r.name, r.startTime.getUTCFullYear(), r.durationMs]).sort()).toEqual([
      ['backwards', new Date().getUTCFullYear(), 0],
      ['far', 2554, 0],
    ]);
  });

  it('should bound a large resource copied into every span: stored bytes stay within a few times the body', async () => {
    const traceId = hex(16);
    const body = jsonBody(Array.from({ length: 200 }, () => ({ traceId })));
    const big = Array.from({ length: 64 }, (_, i) => ({ key: `host.label.${i}`, value: { stringValue: 'v'.repeat(4096) } }));
    body.resourceSpans[0]!.resource.attributes.push(...big, { key: 'service.version', value: { stringValue: '1.2.3' } });
    const payload = JSON.stringify(body);
    expect(payload.length).toBeGreaterThan(280 * 1024);
    const roomy = await buildApp({ database, webhooks: false });
    try {
      const res = await roomy.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${site.ingestKey}` }, payload });
      expect(res.statusCode).toBe(200);
    } finally {
      await roomy.close();
    }
    const rows = await storedSpans(traceId);
    expect(rows).toHaveLength(200);
    const storedChars = rows.reduce((sum, r) => sum + JSON.stringify(r.attributes).length + JSON.stringify(r.events).length, 0);
    expect(storedChars).toBeLessThan(3 * payload.length);
    const resource = rows[0]!.attributes.resource as Record<string, unknown>;
    // The keys summaries read are kept first, whatever their place in the export.
    expect(resource).toMatchObject({ 'service.name': 'agent', 'service.version': '1.2.3' });
    expect(resource['backstop.dropped_attributes']).toBeGreaterThan(50);
    expect((await storedTrace(traceId))!.release).toBe('1.2.3');
  });

  for (const encoding of ['JSON', 'protobuf'] as const) {
    it(`should keep the instrumentation scope's name and version as otel.scope.* attributes (${encoding})`, async () => {
      const traceId = hex(16);
      const send = encoding === 'JSON' ? postJson : postProto;
      expect((await send([{ traceId }])).statusCode).toBe(200);
      const [row] = await storedSpans(traceId);
      expect(row!.attributes).toMatchObject({ 'otel.scope.name': 't', 'otel.scope.version': '0.1.0' });
    });
  }

  it('should read proto field names (snake_case) and the legacy instrumentationLibrarySpans', async () => {
    const traceId = hex(16);
    const snake = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
          scope_spans: [
            {
              scope: { name: 'lib', version: '2' },
              spans: [
                {
                  trace_id: traceId.toUpperCase(),
                  span_id: hex(8),
                  name: 'chat',
                  start_time_unix_nano: String(NOW_NS),
                  end_time_unix_nano: String(NOW_NS + 5_000_000n),
                  attributes: [{ key: 'gen_ai.usage.input_tokens', value: { int_value: '7' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const legacy = jsonBody([{ traceId }]);
    const legacyResource = legacy.resourceSpans[0]! as Record<string, unknown>;
    legacyResource.instrumentationLibrarySpans = [{ instrumentationLibrary: { name: 'old-lib' }, spans: legacy.resourceSpans[0]!.scopeSpans[0]!.spans }];
    delete legacyResource.scopeSpans;
    for (const body of [snake, legacy]) {
      const res = await post(JSON.stringify(body));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({});
    }
    const rows = await storedSpans(traceId);
    expect(rows).toHaveLength(2);
    const fromSnake = rows.find((r) => r.attributes['otel.scope.name'] === 'lib')!;
    expect(fromSnake).toMatchObject({ inputTokens: 7, durationMs: 5 });
    expect(fromSnake.attributes).toMatchObject({ resource: { 'service.name': 'snake' }, 'otel.scope.version': '2' });
    expect(rows.find((r) => r.attributes['otel.scope.name'] === 'old-lib')).toBeDefined();
  });

  it('should say so in partialSuccess when a body holds no span it recognises', async () => {
    const json = await post(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] }));
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual({ partialSuccess: { errorMessage: expect.stringMatching(/No spans were found.*nothing was stored/) } });
    // A field unknown to ExportTraceServiceRequest (number 2): protobuf decoders skip it.
    const proto = await post(Buffer.from([0x12, 0x01, 0x00]), { 'content-type': 'application/x-protobuf' });
    expect(proto.statusCode).toBe(200);
    const answer = otlpTypes().response.toObject(otlpTypes().response.decode(proto.rawPayload), { longs: Number, defaults: true });
    expect(answer.partialSuccess).toMatchObject({ rejectedSpans: 0, errorMessage: expect.stringMatching(/No spans were found/) });
  });

  describe('refusals', () => {
    it('should answer 400 with a JSON Status for a body that is not JSON', async () => {
      const res = await post('{"resourceSpans": [');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 3, message: expect.stringMatching(/not JSON/) });
    });

    it('should answer 400 for JSON that is not an export request', async () => {
      expect((await post(JSON.stringify({ resourceSpans: 'nope' }))).statusCode).toBe(400);
      expect((await post('[1,2]')).statusCode).toBe(400);
    });

    it('should answer 400 with a protobuf Status for a body that is not protobuf', async () => {
      const res = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toBe('application/x-protobuf');
      const status = otlpTypes().status.toObject(otlpTypes().status.decode(res.rawPayload));
      expect(status).toMatchObject({ code: 3, message: expect.stringMatching(/protobuf/) });
    });

    it('should answer 400 for a body that is not valid gzip', async () => {
      expect((await post('not gzip', { 'content-encoding': 'gzip' })).statusCode).toBe(400);
    });

    it('should answer 401 for a missing, malformed or unknown key, storing nothing', async () => {
      const traceId = hex(16);
      for (const authorization of [undefined, 'Basic abc', `Bearer sk_${hex(10)}`, `Bearer ${site.publicKey}`]) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/traces',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          payload: JSON.stringify(jsonBody([{ traceId }])),
        });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ code: 16 });
      }
      expect(await storedSpans(traceId)).toHaveLength(0);
    });

    it('should answer 401 in protobuf to a protobuf request', async () => {
      const res = await postProto([{}], { authorization: 'Bearer sk_wrong' });
      expect(res.statusCode).toBe(401);
      expect(otlpTypes().status.decode(res.rawPayload)).toMatchObject({ code: 16 });
    });

    it('should answer 413 for a body over the limit', async () => {
      const res = await post(JSON.stringify({ resourceSpans: [], pad: 'x'.repeat(BODY_LIMIT) }));
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ code: 8 });
    });

    it('should answer 413 for a gzip body that inflates past the limit', async () => {
      const bomb = gzipSync(JSON.stringify({ resourceSpans: [], pad: ' '.repeat(BODY_LIMIT * 4) }));
      expect(bomb.length).toBeLessThan(BODY_LIMIT);
      const res = await post(bomb, { 'content-encoding': 'gzip', 'content-type': 'application/x-protobuf' });
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toBe('application/x-protobuf');
    });

    it('should answer 415 for a content type or encoding OTLP/HTTP does not define', async () => {
      expect((await post('x', { 'content-type': 'text/plain' })).statusCode).toBe(415);
      expect((await post('{}', { 'content-encoding': 'br' })).statusCode).toBe(415);
    });
  });
});

describe(`POST /v1/traces under load and outage (${testDbKind})`, () => {
  it('should answer 429 with Retry-After past the per-address rate limit', async () => {
    const limited = await buildApp({ database, webhooks: false, rateLimit: { perIp: 2, perSiteClient: 100, perConversation: 100 } });
    try {
      const send = () =>
        limited.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${site.ingestKey}` }, payload: '{}' });
      expect((await send()).statusCode).toBe(200);
      expect((await send()).statusCode).toBe(200);
      const res = await send();
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('should answer 503 with Retry-After when the database is unavailable', async () => {
    const own = await openTestDatabase();
    const ownSite = await createSite(own.db, { name: 'Outage', origins: [] });
    const outage = await buildApp({ database: own, webhooks: false });
    try {
      const send = (key: string) =>
        outage.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, payload: JSON.stringify(jsonBody([{}])) });
      expect((await send(ownSite.ingestKey)).statusCode).toBe(200);
      await own.close();
      // The key is still cached: storing fails. An uncached key: the lookup fails. Both are worth a retry.
      for (const key of [ownSite.ingestKey, `sk_${hex(12)}`]) {
        const res = await send(key);
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.json()).toMatchObject({ code: 14 });
      }
      const proto = await outage.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${ownSite.ingestKey}` },
        payload: protobufBody([{}]),
      });
      expect(proto.statusCode).toBe(503);
      expect(proto.headers['content-type']).toBe('application/x-protobuf');
      expect(proto.headers['retry-after']).toBe('5');
      expect(otlpTypes().status.toObject(otlpTypes().status.decode(proto.rawPayload))).toMatchObject({ code: 14, message: expect.stringMatching(/unavailable/) });
    } finally {
      await outage.close().catch(() => {});
    }
  });
});

describe(`POST /v1/traces body limit (${testDbKind})`, () => {
  it('should take exports larger than the 256 KiB limit of the widget API by default', async () => {
    const roomy = await buildApp({ database, webhooks: false });
    try {
      const traceId = hex(16);
      const payload = JSON.stringify(jsonBody(Array.from({ length: 800 }, () => ({ traceId, attributes: { note: 'n'.repeat(400) } }))));
      expect(payload.length).toBeGreaterThan(300 * 1024);
      const res = await roomy.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${site.ingestKey}` }, payload });
      expect(res.statusCode).toBe(200);
      expect(await storedSpans(traceId)).toHaveLength(800);
    } finally {
      await roomy.close();
    }
  });
});
