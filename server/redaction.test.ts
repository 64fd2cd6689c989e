/**
 * Redaction end to end, over HTTP: every path that stores free text (signal.push messages, feedback and
 * escalations; staff replies and notes; /v1/traces attributes, events and status messages) stores the
 * placeholder on a site that redacts (the default) and the text as sent on a site that switched it off,
 * and the live events carry what was stored. Then the logs: a failed insert logs its query parameters,
 * which must not carry the secrets of the request's body or headers.
 */
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import type { Database } from './db/client';
import { escalationNotes, escalationRequests, escalations, events, feedback, messages, sites, spans } from './db/schema';
import { setSiteRedaction } from './domain/redact-signals';
import { createSite, findSite, type CreatedSite } from './domain/sites';
import { addStaffToSites, createStaff } from './domain/staff';
import { agentMessage, conversation, feedbackFor, TEST_ORIGIN, userMessage } from './test/fixtures';
import { escalationSignal, PASSWORD } from './test/handoff-fixtures';
import { runCli } from './test/cli-process';
import { hex, NOW_NS } from './test/otlp-fixtures';
import { openTestDatabase, processDatabase, testDbKind } from './test/test-db';

/** What a person might paste into a chat, and what a redacting site stores instead. */
const SENT = 'Mail jane.doe@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, key AKIAIOSFODNN7EXAMPLE';
const STORED = 'Mail [email] or call [phone]; card [card], IBAN [iban], key [secret]';
/** A staff reply keeps contact details (a reply often gives the user an address or a number to call). */
const STORED_REPLY = 'Mail jane.doe@example.com or call +44 20 7946 0958; card [card], IBAN [iban], key [secret]';
/** The originals, none of which may appear anywhere on a redacting site. */
const ORIGINALS = ['jane.doe@example.com', '7946 0958', '4111 1111 1111 1111', 'DE89 3704', 'AKIAIOSFODNN7EXAMPLE'];

let database: Database;
let app: FastifyInstance;
const logLines: string[] = [];
let redacting: CreatedSite;
let plain: CreatedSite;
let cookie: string;
const email = `redaction-admin-${randomUUID().slice(0, 8)}@example.com`;

beforeAll(async () => {
  database = await openTestDatabase();
  // The app's own logger, written to memory: the log test reads what an operator's log would hold.
  app = await buildApp({ database, webhooks: false, review: false, logger: { level: 'info', stream: { write: (line: string) => logLines.push(line) } } });
  redacting = await createSite(database.db, { name: 'Redacting shop', origins: [TEST_ORIGIN] });
  plain = await createSite(database.db, { name: 'Plain shop', origins: [TEST_ORIGIN] });
  await setSiteRedaction(database.db, plain.siteId, false);
  const admin = await createStaff(database.db, { email, role: 'admin', password: PASSWORD });
  await addStaffToSites(database.db, admin.id, [redacting.siteId, plain.siteId]);
  const login = await app.inject({ method: 'POST', url: '/trpc/staff.login', headers: { 'content-type': 'application/json', 'x-backstop-csrf': '1' }, payload: { email, password: PASSWORD } });
  expect(login.statusCode).toBe(200);
  cookie = String(login.headers['set-cookie']).split(';')[0]!;
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const push = (site: CreatedSite, items: unknown[], headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/trpc/signal.push', headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN, ...headers }, payload: { items } });
const staffCall = (path: string, input: unknown) =>
  app.inject({ method: 'POST', url: `/trpc/${path}`, headers: { 'content-type': 'application/json', 'x-backstop-csrf': '1', cookie }, payload: input as object });

const conversationEvents = async (conversationId: string) => JSON.stringify(await database.db.select().from(events).where(eq(events.conversationId, conversationId)));

const cases = [
  { name: 'a site that redacts (the default)', site: () => redacting, expected: STORED },
  { name: 'a site with redaction off', site: () => plain, expected: SENT },
];

describe.each(cases)(`redaction on $name, over HTTP (${testDbKind})`, ({ site, expected }) => {
  const on = expected === STORED;

  it('should store user and agent messages, feedback comments and escalation notes as the setting says', async () => {
    const conv = conversation();
    const answer = agentMessage(conv, { text: SENT, answer: { id: 'a1', confidence: 0.4, sources: [{ title: `Ask ${SENT}`, url: 'https://help.example.com/a' }] } });
    const items = [userMessage(conv, SENT), answer, feedbackFor(answer, { comment: SENT }), escalationSignal(conv, { note: SENT, contactEmail: 'reach.me@example.org' })];
    const res = await push(site(), items);
    expect(res.statusCode).toBe(200);

    const stored = await database.db.select().from(messages).where(eq(messages.conversationId, conv.conversationId));
    expect(stored.find((m) => m.role === 'user')!.text).toBe(expected);
    const agent = stored.find((m) => m.role === 'agent')!;
    expect(agent.text).toBe(expected);
    expect(agent.sources).toEqual([{ title: `Ask ${expected}`, url: 'https://help.example.com/a' }]);
    const [fb] = await database.db.select().from(feedback).where(eq(feedback.conversationId, conv.conversationId));
    expect(fb!.comment).toBe(expected);
    const [esc] = await database.db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId));
    expect(esc!.note).toBe(expected);
    // The address the user typed to be answered at is kept: it is there to be used.
    expect(esc!.contactEmail).toBe('reach.me@example.org');
    const [request] = await database.db.select().from(escalationRequests).where(eq(escalationRequests.escalationId, esc!.id));
    expect(request!.note).toBe(expected);

    // A user message to a person: the live event staff get carries the stored text.
    const followUp = userMessage(conv, `also ${SENT}`);
    expect((await push(site(), [followUp])).statusCode).toBe(200);
    const live = await conversationEvents(conv.conversationId);
    expect(live).toContain(JSON.stringify(`also ${expected}`).slice(1, -1));
    for (const original of ORIGINALS) expect(live.includes(original)).toBe(!on);

    // The widget's retry of the same batch is a replay, not a conflict: the hash is of the body as sent.
    const again = await push(site(), [...items, followUp]);
    expect(again.statusCode).toBe(200);
    expect(again.json().result.data.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
  });

  it('should store staff replies (contact details kept) and internal notes as the setting says, and send the reply to the widget as stored', async () => {
    const expectedReply = on ? STORED_REPLY : SENT;
    const conv = conversation();
    expect((await push(site(), [escalationSignal(conv)])).statusCode).toBe(200);
    const [esc] = await database.db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId));
    expect((await staffCall('escalation.claim', { escalationId: esc!.id })).statusCode).toBe(200);
    const clientEventId = randomUUID();
    const reply = await staffCall('escalation.reply', { escalationId: esc!.id, text: SENT, clientEventId });
    expect(reply.statusCode).toBe(200);
    expect((await staffCall('escalation.note', { escalationId: esc!.id, text: SENT })).statusCode).toBe(200);

    const [human] = await database.db.select().from(messages).where(eq(messages.clientEventId, clientEventId));
    expect(human!.text).toBe(expectedReply);
    const [note] = await database.db.select().from(escalationNotes).where(eq(escalationNotes.escalationId, esc!.id));
    expect(note!.text).toBe(expected);
    const live = await database.db.select().from(events).where(inArray(events.type, ['message.human', 'escalation.note']));
    const ours = live.filter((e) => e.escalationId === esc!.id);
    expect(ours.map((e) => e.payload.text)).toEqual([expectedReply, expected]);

    // A retried send of the same reply is recognised by the text as sent.
    const retry = await staffCall('escalation.reply', { escalationId: esc!.id, text: SENT, clientEventId });
    expect(retry.statusCode).toBe(200);
    expect((await staffCall('escalation.reply', { escalationId: esc!.id, text: `${SENT}!`, clientEventId })).statusCode).toBe(409);
  });

  it('should store span attributes, event attributes and status messages from /v1/traces as the setting says', async () => {
    const traceId = hex(16);
    const start = NOW_NS;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }, { key: 'deployment.owner', value: { stringValue: 'ops jane.doe@example.com' } }] },
          scopeSpans: [
            {
              scope: { name: 't' },
              spans: [
                {
                  traceId,
                  spanId: hex(8),
                  name: 'chat',
                  kind: 1,
                  startTimeUnixNano: String(start),
                  endTimeUnixNano: String(start + 5_000_000n),
                  attributes: [
                    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                    { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-2024-08-06' } },
                    { key: 'gen_ai.prompt', value: { stringValue: SENT } },
                    { key: 'order.id', value: { stringValue: 'ORD-2024-000123' } },
                    { key: 'tags', value: { arrayValue: { values: [{ stringValue: SENT }] } } },
                    { key: 'gen_ai.usage.input_tokens', value: { intValue: '4111111111111111' } },
                  ],
                  events: [{ name: 'exception', timeUnixNano: String(start + 1_000_000n), attributes: [{ key: 'exception.message', value: { stringValue: SENT } }] }],
                  status: { code: 2, message: SENT },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${site().ingestKey}` }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
    const [row] = await database.db.select().from(spans).where(eq(spans.traceId, traceId));
    expect(row!.attributes['gen_ai.prompt']).toBe(expected);
    expect(row!.attributes.tags).toEqual([expected]);
    expect(row!.attributes['order.id']).toBe('ORD-2024-000123');
    expect(row!.model).toBe('gpt-4o-2024-08-06');
    expect((row!.attributes.resource as Record<string, unknown>)['deployment.owner']).toBe(on ? 'ops [email]' : 'ops jane.doe@example.com');
    expect(row!.events[0]!.attributes['exception.message']).toBe(expected);
    expect(row!.statusMessage).toBe(expected);
  });
});

describe(`logs (${testDbKind})`, () => {
  /** Runs `fn` while `table` is missing, so that the insert into it fails and is logged with its parameters. */
  async function withTableGone(table: string, fn: () => Promise<void>) {
    await database.exec(`ALTER TABLE ${table} RENAME TO ${table}_gone`);
    try {
      await fn();
    } finally {
      await database.exec(`ALTER TABLE ${table}_gone RENAME TO ${table}`);
    }
  }
  const SECRET_HEADER = 'Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a';

  it('should keep secrets of a signal body and its headers out of the log of a failed insert, even where storage is not redacted', async () => {
    logLines.length = 0;
    const conv = conversation();
    await withTableGone('messages', async () => {
      const res = await push(plain, [userMessage(conv, SENT)], { authorization: SECRET_HEADER, cookie: 'backstop_session=top-secret-session-id' });
      expect(res.statusCode).toBe(500);
    });
    const log = logLines.join('');
    // The failure was logged with its query parameters (redacted), so the test sees what an operator would.
    expect(log).toContain('tRPC procedure failed');
    expect(log).toContain('[email]');
    for (const secret of [...ORIGINALS, 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'top-secret-session-id', conv.conversationToken]) expect(log).not.toContain(secret);
  });

  it('should keep span attribute secrets and the ingest key out of the log of a failed trace export', async () => {
    logLines.length = 0;
    await withTableGone('spans', async () => {
      const attributes = [{ key: 'gen_ai.prompt', value: { stringValue: SENT } }];
      const span = { traceId: hex(16), spanId: hex(8), name: 'chat', startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(NOW_NS + 1000n), attributes };
      const payload = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
      const res = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${plain.ingestKey}` }, payload });
      expect(res.statusCode).toBe(503);
    });
    const log = logLines.join('');
    expect(log).toContain('storing spans failed');
    expect(log).toContain('[email]');
    for (const secret of [...ORIGINALS, plain.ingestKey]) expect(log).not.toContain(secret);
  });

  it('should censor secret-bearing fields and redact strings in whatever else is logged', () => {
    logLines.length = 0;
    app.log.warn({ headers: { authorization: SECRET_HEADER, cookie: 'a=b' }, body: { password: 'hunter2!', comment: SENT } }, `request from jane.doe@example.com`);
    const log = logLines.join('');
    expect(JSON.parse(log)).toMatchObject({ headers: { authorization: '[secret]', cookie: '[secret]' }, body: { password: '[secret]', comment: STORED }, msg: 'request from [email]' });
  });
});

describe(`site setting from the command line (${testDbKind})`, { timeout: 240_000 }, () => {
  const target = processDatabase('backstop-redact-cli-');
  afterAll(() => target.remove());

  it('should create a site with --redact off and switch it on with site set --redact on', async () => {
    const created = await runCli(['site', 'create', '--name', 'No redaction', '--origin', 'https://n.example', '--redact', 'off', '--json'], target.env);
    expect(created.code).toBe(0);
    const { siteId, publicKey } = JSON.parse(created.stdout);
    const redactionOf = async () => {
      const d = await target.open();
      try {
        return (await findSite(d.db, siteId))!.redactPii;
      } finally {
        await d.close();
      }
    };
    expect(await redactionOf()).toBe(false);
    const set = await runCli(['site', 'set', '--site', publicKey, '--redact', 'on'], target.env);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('redaction on');
    expect(await redactionOf()).toBe(true);
    const bad = await runCli(['site', 'set', '--site', publicKey, '--redact', 'maybe'], target.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--redact must be on or off');
  });
});

// Sites are created redacting: the schema's default, which nothing above relies on by accident.
it('should create sites that redact by default', async () => {
  const created = await createSite(database.db, { name: 'Default', origins: [] });
  const [row] = await database.db.select({ redact: sites.redactPii }).from(sites).where(eq(sites.id, created.siteId));
  expect(row!.redact).toBe(true);
});
