/**
 * `POST /v1/traces` under random bodies: random bytes, well-formed OTLP/JSON and protobuf exports with one
 * part replaced, cut or flipped, gzipped or claiming to be, with the right key, a wrong one or none. The
 * server answers 2xx or 4xx, never 5xx (an exporter retries a 5xx forever), and a refused export stores
 * nothing: site A's spans and traces are counted around every request.
 *
 * PROPERTY_RUNS sets the runs per property (default 150).
 */
import { gzipSync } from 'node:zlib';
import { and, count, eq } from 'drizzle-orm';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { spans, traces } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { jsonBody, protobufBody } from '../test/otlp-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { mutated, RUNS } from './fuzz-values';

const runs = RUNS || 150;

let database: Database;
let app: FastifyInstance;
let site: CreatedSite;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false, review: false });
  site = await createSite(database.db, { name: 'Traces fuzz', origins: ['https://shop.example.com'] });
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

async function stored(): Promise<string> {
  const [s] = await database.db.select({ n: count() }).from(spans).where(eq(spans.siteId, site.siteId));
  const [t] = await database.db.select({ n: count() }).from(traces).where(eq(traces.siteId, site.siteId));
  return `${s!.n} spans, ${t!.n} traces`;
}

const spec = fc.record(
  {
    traceId: fc.constantFrom('0'.repeat(32), 'f'.repeat(32), '4bf92f3577b34da6a3ce929d0e0e4736'),
    spanId: fc.constantFrom('0'.repeat(16), '00f067aa0ba902b7'),
    name: fc.string({ maxLength: 20 }),
    startMs: fc.integer({ min: -1e6, max: 1e6 }),
    durationMs: fc.integer({ min: 0, max: 1e5 }),
    attributes: fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 30 }), fc.double({ noNaN: true }), fc.boolean()), { maxKeys: 4 }),
  },
  { requiredKeys: [] },
);

/** Random bytes; or a protobuf export with bytes flipped, cut or inserted. */
const protobufish = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
  fc
    .tuple(fc.array(spec, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), fc.boolean())
    .map(([list, flips, cut, doCut]) => {
      const body = Buffer.from(protobufBody(list));
      for (const [at, byte] of flips) body[at % body.length] = byte;
      return doCut ? body.subarray(0, cut % (body.length + 1)) : body;
    }),
);

/** JSON text: a mutated OTLP/JSON export, any JSON value, or JSON cut short. */
const jsonish = fc.oneof(
  fc.array(spec, { minLength: 1, maxLength: 3 }).chain((list) => mutated(jsonBody(list))).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
  fc.tuple(fc.array(spec, { minLength: 1, maxLength: 2 }), fc.nat()).map(([list, cut]) => {
    const text = JSON.stringify(jsonBody(list));
    return Buffer.from(text.slice(0, cut % text.length));
  }),
);

const request = fc.record({
  encoding: fc.constantFrom('json', 'protobuf'),
  jsonBody: jsonish,
  protobufBody: protobufish,
  gzip: fc.constantFrom('none', 'real', 'claimed'),
  contentType: fc.constantFrom('right', 'text/plain', 'application/json; charset=utf-8', 'application/x-protobuf; proto=x'),
  key: fc.constantFrom('right', 'right', 'right', 'none', 'wrong', 'public'),
});

describe(`fuzzing POST /v1/traces (${testDbKind})`, () => {
  // Found by this fuzz run: PostgreSQL refuses U+0000 in text and jsonb, so a NUL anywhere in a span was a 503.
  it('should store a span with U+0000 in its name, status, attribute keys and values, without the NULs', async () => {
    const traceId = 'ab'.repeat(16);
    const spec = { traceId, name: 'chat\u0000', error: 'bad\u0000', attributes: { '\u0000': 's#c', 'k\u0000ey': 'v\u0000al' } };
    const res = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${site.ingestKey}` }, payload: JSON.stringify(jsonBody([spec])) });
    expect(res.statusCode, res.body).toBe(200);
    const [row] = await database.db.select().from(spans).where(and(eq(spans.siteId, site.siteId), eq(spans.traceId, traceId)));
    expect(row).toMatchObject({ name: 'chat', statusMessage: 'bad' });
    expect(row!.attributes).toMatchObject({ key: 'val' });
    expect(JSON.stringify(row!.attributes)).not.toContain('\\u0000');
  });

  it('should answer every body with 2xx or 4xx, and store nothing from a refused one', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let body = r.encoding === 'json' ? r.jsonBody : r.protobufBody;
        if (r.gzip === 'real') body = gzipSync(body);
        const headers: Record<string, string> = {
          'content-type': r.contentType === 'right' ? (r.encoding === 'json' ? 'application/json' : 'application/x-protobuf') : r.contentType,
        };
        if (r.gzip !== 'none') headers['content-encoding'] = 'gzip';
        if (r.key === 'right') headers.authorization = `Bearer ${site.ingestKey}`;
        if (r.key === 'wrong') headers.authorization = 'Bearer sk_0000000000000000000000000000000000';
        if (r.key === 'public') headers.authorization = `Bearer ${site.publicKey}`;
        const before = await stored();
        const res = await app.inject({ method: 'POST', url: '/v1/traces', headers, payload: body });
        expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
        if (res.statusCode !== 200) expect(await stored(), `refused with ${res.statusCode}`).toBe(before);
        // Without the right key nothing is taken (the content type may be refused first, with 415).
        if (r.key !== 'right') expect(res.statusCode).not.toBe(200);
      }),
      { numRuns: runs },
    );
  }, 60_000);
});
