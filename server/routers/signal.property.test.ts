/**
 * Whatever a client sends to signal.push, the server answers 2xx or 4xx, never 5xx: a 5xx would be
 * retried by the widget's outbox forever. Inputs are generated (any UTF-16, NUL, control characters,
 * odd numbers and times, sizes near every limit, plus well-formed values so most batches are stored)
 * and sent over HTTP to the real app on the test database (PGlite, or PostgreSQL with TEST_DB=postgres).
 *
 * PROPERTY_RUNS sets the runs per signal kind (default 150).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTraceRef } from '../../shared/agent-answer';
import { FEEDBACK_REASON_IDS } from '../../shared/feedback';
import { ESCALATION_TRIGGERS } from '../../shared/handoff';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { escalationRequests, feedback, messages, sites } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { TEST_ORIGIN } from '../test/fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

const RUNS = Number(process.env.PROPERTY_RUNS) || 150;

let database: Database;
let app: FastifyInstance;
let site: CreatedSite;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database });
  site = await createSite(database.db, { name: 'Property test', origins: [TEST_ORIGIN] });
  // This suite checks normalisation; generated text may look like an email (`I@oD8.WV`), which redaction (on by
  // default, tested in its own suites) would replace. The site is read per request, so this applies at once.
  await database.db.update(sites).set({ redactPii: false }).where(eq(sites.id, site.siteId));
});
afterAll(async () => {
  await app.close();
  await database.close();
});

// ---------------------------------------------------------------------------------------------------
// The normalisation the README documents, written again here (independently of shared/normalise.ts)
// as the oracle for what must be read back.

const wellFormed = (s: string) => (s as unknown as { toWellFormed(): string }).toWellFormed();
const expectedText = (s: string) => wellFormed(s.replaceAll('\u0000', '')).replace(/^\uFEFF+/, '');
const expectedConfidence = (c: number) => (c < 1.1754943508222875e-38 ? 0 : Math.fround(c));

// ---------------------------------------------------------------------------------------------------
// Generators.

/** Single UTF-16 code units, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** The characters that have hurt: NUL, both surrogate halves, C0/C1 controls, noncharacters, JSON escapes, multi-byte. */
const nasty = fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\u0001', '\u001f', '\u007f', '\u0085', '\u2028', '\ufeff', '\ufffe', '\uffff', '"', '\\', '€', '😀', 'a', ' ', '\n');
const anyString = (maxLength: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength }) },
    { weight: 3, arbitrary: fc.string({ unit: nasty, maxLength }) },
  );
/** Strings right at and past a limit in characters, made of one- to six-byte (as JSON) units. */
const nearLimit = (limit: number) =>
  fc
    .tuple(fc.constantFrom('a', '€', '😀', '"', '\u0001', '\u0000', '\ud800'), fc.integer({ min: -2, max: 2 }), anyString(4))
    .map(([unit, delta, tail]) => unit.repeat(Math.max(0, Math.floor((limit + delta) / unit.length) - 1)) + tail);
const text = (limit: number) => fc.oneof({ weight: 4, arbitrary: anyString(60) }, { weight: 1, arbitrary: nearLimit(limit) });
const shortText = (limit: number) => fc.oneof({ weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, { weight: 4, arbitrary: text(limit) });

const isoNow = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const oddTime = fc.constantFrom(
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00+14:00',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59-14:00',
  '2024-02-29T12:00:00Z',
  '2023-02-29T12:00:00Z',
  '2024-02-30T12:00:00Z',
  '2024-06-01T12:00:00.123456789Z',
  '2024-06-01T12:00:00+23:59',
  '2024-06-01T24:00:00Z',
  '2024-06-01T12:00:00',
  '+010000-01-01T00:00:00.000Z',
  'yesterday',
  '',
);
const createdAt = fc.oneof({ weight: 4, arbitrary: isoNow }, { weight: 1, arbitrary: oddTime });

const confidence = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, -0, 1e-50, 1e-40, 5e-324, 1.1754943508222875e-38, 1.1754942e-38, 0.9999999999999999) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -1e-300, 1.0000001, 1e308, -5) },
  { weight: 1, arbitrary: fc.double() },
);

const url = fc.oneof(
  { weight: 4, arbitrary: fc.webUrl() },
  { weight: 2, arbitrary: anyString(40).map((s) => `https://example.com/${s}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1990, max: 2010 }).map((n) => `https://example.com/${'a'.repeat(n - 20)}`) },
  { weight: 1, arbitrary: anyString(20) },
);
const source = fc.record({ title: shortText(500), url });
const hexId = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
/** Trace ids as hosts pass them: hex in either case, a W3C traceparent, now and then anything (kept as given). */
const traceRef = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(hexId(16), fc.boolean()).map(([id, upper]) => (upper ? id.toUpperCase() : id)) },
  { weight: 2, arbitrary: fc.tuple(hexId(16), hexId(8)).map(([t, s]) => `00-${t}-${s}-01`) },
  { weight: 1, arbitrary: shortText(200) },
);
const answerMeta = fc.record(
  {
    id: shortText(200),
    confidence,
    traceId: traceRef,
    spanId: shortText(200),
    topic: shortText(200),
    sources: fc.array(source, { maxLength: 21 }),
  },
  { requiredKeys: ['id', 'confidence'] },
);

interface Conv {
  conversationId: string;
  conversationToken: string;
}
const base = (conv: Conv, at: string) => ({ clientEventId: randomUUID(), ...conv, createdAt: at });

/** Now and then an id or the token is replaced by any string (they are hashed or typed as uuid, never stored as text). */
const envelopeDamage = fc.oneof(
  { weight: 7, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('clientEventId', 'conversationId', 'conversationToken', 'role', 'kind'), anyString(220)) },
);

const userMessage = (conv: Conv) =>
  fc.record({ text: text(8000), at: createdAt, damage: envelopeDamage }).map(({ text, at, damage }) => ({
    kind: 'message',
    ...base(conv, at),
    role: 'user',
    text,
    ...(damage ? { [damage[0]]: damage[1] } : {}),
  }));

const agentMessage = (conv: Conv) =>
  fc
    .record({
      text: text(8000),
      at: createdAt,
      answer: answerMeta,
      error: fc.option(fc.constantFrom('agent_timeout', 'agent_error', 'agent_bad_answer'), { nil: undefined }),
    })
    .map(({ text, at, answer, error }) => ({ kind: 'message', ...base(conv, at), role: 'agent', text, ...(error ? { error } : { answer }) }));

const feedbackBody = fc.record(
  {
    rating: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, -1) }, { weight: 1, arbitrary: fc.constantFrom(0, 2, -0, 1.5) }),
    reasons: fc.subarray([...FEEDBACK_REASON_IDS]),
    comment: text(2000),
    pageUrl: fc.oneof(fc.webUrl(), text(2000)),
    at: createdAt,
  },
  { requiredKeys: ['rating', 'at'] },
);
const feedbackOn = (conv: Conv, messageId: string) =>
  feedbackBody.map(({ at, rating, ...rest }) => ({
    kind: 'feedback',
    ...base(conv, at),
    messageId,
    rating,
    ...rest,
    // Reasons come only with a negative rating; usually respect that so most feedback is stored.
    ...(rating === 1 && rest.reasons ? { reasons: [] } : {}),
  }));

const dropped = fc.option(
  fc.oneof(fc.record({ feedback: fc.nat(1000) }), fc.record({ feedback: fc.constantFrom(-1, 1.5, 2_000_000) })),
  { nil: undefined },
);

/** A conversation stored beforehand with one plain agent answer, so feedback alone has something to rate. */
async function storedAnswer(): Promise<{ conv: Conv; messageId: string }> {
  const conv = { conversationId: randomUUID(), conversationToken: randomUUID() + randomUUID() };
  const messageId = randomUUID();
  const item = { kind: 'message', clientEventId: messageId, ...conv, createdAt: new Date().toISOString(), role: 'agent', text: 'ok', answer: { id: 'a', confidence: 0.5 } };
  const res = await push({ items: [item] });
  expect(res.statusCode).toBe(200);
  return { conv, messageId };
}

/** A request for a person, with every optional field sometimes present and sometimes hostile. */
const escalation = (conv: Conv) =>
  fc
    .record(
      {
        at: createdAt,
        trigger: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ESCALATION_TRIGGERS) }, { weight: 1, arbitrary: anyString(20) }),
        note: text(2000),
        contactEmail: fc.oneof({ weight: 3, arbitrary: fc.emailAddress() }, { weight: 1, arbitrary: anyString(60) }),
        pageUrl: fc.oneof(fc.webUrl(), text(2000)),
        identity: fc.dictionary(anyString(30), anyString(60), { maxKeys: 5 }),
      },
      { requiredKeys: ['at', 'trigger'] },
    )
    .map(({ at, ...rest }) => ({ kind: 'escalation', ...base(conv, at), ...rest }) as Item);

// ---------------------------------------------------------------------------------------------------
// The properties.

type Item = Record<string, unknown> & { kind: string; clientEventId: string };

const push = (body: unknown) =>
  app.inject({
    method: 'POST',
    url: '/trpc/signal.push',
    headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN },
    payload: JSON.stringify(body),
  });

async function counts(): Promise<number[]> {
  const res = await database.db.execute(
    sql`select (select count(*) from messages)::int as m, (select count(*) from feedback)::int as f, (select count(*) from conversations)::int as c, (select count(*) from escalation_requests)::int as e`,
  );
  const row = (res as unknown as { rows: { m: number; f: number; c: number; e: number }[] }).rows[0]!;
  return [row.m, row.f, row.c, row.e];
}

/** Sends a batch and checks every property; returns the status so callers can tell how many were stored. */
async function check(body: { items: Item[]; dropped?: unknown }): Promise<number> {
  const before = await counts();
  const res = await push(body);
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const data = (res.json() as { error: { data: { fields?: Record<string, string> } } }).error.data;
    expect(Object.keys(data.fields ?? {}).length, res.body).toBeGreaterThan(0);
    expect(await counts()).toEqual(before);
    return res.statusCode;
  }
  expect(res.statusCode).toBe(200);
  await expectStoredAsNormalised(body.items);
  return res.statusCode;
}

async function expectStoredAsNormalised(items: Item[]) {
  const ids = items.map((i) => i.clientEventId);
  const msgs = new Map((await database.db.select().from(messages).where(inArray(messages.clientEventId, ids))).map((r) => [r.clientEventId, r]));
  const fbs = new Map((await database.db.select().from(feedback).where(inArray(feedback.clientEventId, ids))).map((r) => [r.clientEventId, r]));
  const escs = new Map((await database.db.select().from(escalationRequests).where(inArray(escalationRequests.clientEventId, ids))).map((r) => [r.clientEventId, r]));
  for (const item of items) {
    const sentAt = Date.parse(item.createdAt as string);
    if (item.kind === 'message') {
      const row = msgs.get(item.clientEventId)!;
      const answer = item.answer as { id: string; confidence: number; traceId?: string; spanId?: string; topic?: string; sources?: { title: string; url: string }[] } | undefined;
      expect(row.text).toBe(expectedText(item.text as string));
      expect(row.sentAt.getTime()).toBe(sentAt);
      expect(row.error).toBe(item.error ?? null);
      expect(row.answerId).toBe(answer ? expectedText(answer.id) : null);
      expect(row.confidence === null ? null : Math.fround(row.confidence)).toBe(answer ? expectedConfidence(answer.confidence) : null);
      // A trace id in a known form is stored as lowercase hex (a traceparent gives the span id when the answer has
      // none); any other is kept as given.
      const ref = answer?.traceId === undefined ? null : parseTraceRef(expectedText(answer.traceId));
      expect(row.traceId).toBe(ref?.traceId ?? (answer?.traceId === undefined ? null : expectedText(answer.traceId)));
      expect(row.spanId).toBe(answer?.spanId !== undefined ? expectedText(answer.spanId) : (ref?.spanId ?? null));
      expect(row.topic).toBe(answer?.topic === undefined ? null : expectedText(answer.topic));
      expect(row.sources).toEqual(answer?.sources ? answer.sources.map((s) => ({ title: expectedText(s.title), url: expectedText(s.url) })) : null);
    } else if (item.kind === 'escalation') {
      const row = escs.get(item.clientEventId)!;
      expect(row.trigger).toBe(item.trigger);
      expect(row.note).toBe(item.note === undefined ? null : expectedText(item.note as string));
      expect(row.sentAt.getTime()).toBe(sentAt);
    } else {
      const row = fbs.get(item.clientEventId)!;
      expect(row.rating).toBe(item.rating);
      expect(row.reasons).toEqual(item.reasons ?? []);
      expect(row.comment).toBe(item.comment === undefined ? null : expectedText(item.comment as string));
      expect(row.pageUrl).toBe(item.pageUrl === undefined ? null : expectedText(item.pageUrl as string));
      expect(row.sentAt.getTime()).toBe(sentAt);
    }
  }
}

const newConv = (): Conv => ({ conversationId: randomUUID(), conversationToken: randomUUID() + randomUUID() });
/** Generators need the conversation up front; each run gets a fresh one so runs never conflict. */
const inConversation = <T>(make: (conv: Conv) => fc.Arbitrary<T>) => fc.constant(null).chain(() => make(newConv()));

describe(`signal.push over HTTP, generated inputs (${testDbKind})`, { timeout: 120_000 }, () => {
  const runs = { stored: 0, all: 0 };
  afterAll(() => {
    // Many runs must be stored, or the generators would test only the validation.
    if (process.env.PROPERTY_REPORT) console.log(`stored ${runs.stored} of ${runs.all} generated batches`);
    expect(runs.stored).toBeGreaterThan(runs.all / 4);
  });
  const note = (status: number) => {
    runs.all++;
    if (status === 200) runs.stored++;
  };

  it('should never answer 5xx to a user message, and store it as normalised', async () => {
    await fc.assert(
      fc.asyncProperty(inConversation(userMessage), dropped, async (item, d) => note(await check({ items: [item as Item], ...(d ? { dropped: d } : {}) }))),
      { numRuns: RUNS },
    );
  });

  it('should never answer 5xx to an agent message with an answer or an error, and store it as normalised', async () => {
    await fc.assert(fc.asyncProperty(inConversation(agentMessage), async (item) => note(await check({ items: [item as Item] }))), { numRuns: RUNS });
  });

  it('should never answer 5xx to feedback, and store it as normalised', async () => {
    await fc.assert(
      fc.asyncProperty(feedbackBody, async (fb) => {
        const { conv, messageId } = await storedAnswer();
        const { at, ...rest } = fb;
        const item = { kind: 'feedback', ...base(conv, at), messageId, ...rest } as Item;
        note(await check({ items: [item] }));
      }),
      { numRuns: RUNS },
    );
  });

  it('should never answer 5xx to a request for a person, and store it as normalised', async () => {
    await fc.assert(fc.asyncProperty(inConversation(escalation), async (item) => note(await check({ items: [item] }))), { numRuns: RUNS });
  });

  it('should never answer 5xx to a mixed batch, and store all of it or none of it', async () => {
    const batch = inConversation((conv) =>
      fc
        .tuple(fc.array(userMessage(conv), { maxLength: 3 }), fc.array(agentMessage(conv), { minLength: 1, maxLength: 3 }))
        .chain(([users, agents]) =>
          fc
            .array(fc.nat(agents.length - 1), { maxLength: 4 })
            .chain((targets) => fc.tuple(...targets.map((t) => feedbackOn(conv, agents[t]!.clientEventId))))
            .map((fbs) => [...users, ...agents, ...(fbs as unknown as Item[])] as Item[]),
        ),
    );
    await fc.assert(fc.asyncProperty(batch, dropped, async (items, d) => note(await check({ items, ...(d ? { dropped: d } : {}) }))), {
      numRuns: RUNS,
    });
  });
});
