/**
 * The authorization matrix: every procedure of `appRouter` (read from the router itself, so a new one
 * cannot be missed) called over real HTTP as every caller in authorization-matrix.ts, each result
 * compared with the table. Answers allowed to callers outside site A must not name A or the row aimed at.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { SESSION_COOKIE } from '../context';
import type { Database } from '../db/client';
import { appRouter } from '../routers';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { CALLERS, OUTSIDERS, procedureMatrix, type Caller, type Outcome, type ProcedureType } from './authorization-matrix';
import { buildWorld, FOREIGN_ORIGIN, OTHER_SITE_ORIGIN, SITE_ORIGIN, type StaffMember, type World } from './matrix-world';

/** How long an open subscription may stay silent before it counts as allowed (errors come at once). */
const QUIET_STREAM_MS = 750;

let database: Database;
let app: FastifyInstance;
let base: string;
let w: World;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false, review: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  w = await buildWorld(database.db);
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

/** The router's procedures, flat (`'review.cases'`), with their type. */
export function routerProcedures(): Record<string, ProcedureType> {
  const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: ProcedureType } }> } })._def.procedures;
  return Object.fromEntries(Object.entries(procedures).map(([path, p]) => [path, p._def.type]));
}

function staffMember(caller: Caller): StaffMember | undefined {
  switch (caller) {
    case 'agent':
    case 'reviewer':
    case 'admin':
    case 'outsiderAdmin':
      return w.staff[caller];
    case 'adminWithoutCsrf':
      return w.staff.admin;
    default:
      return undefined;
  }
}

function headersFor(caller: Caller, sessionId: string | undefined): Record<string, string> {
  const json = { 'content-type': 'application/json' };
  switch (caller) {
    case 'anonymous':
      return { ...json, 'x-backstop-csrf': '1' };
    case 'widget':
      return { ...json, 'x-backstop-key': w.site.publicKey, origin: SITE_ORIGIN };
    case 'widgetForeignOrigin':
      return { ...json, 'x-backstop-key': w.site.publicKey, origin: FOREIGN_ORIGIN };
    case 'otherSiteWidget':
      return { ...json, 'x-backstop-key': w.otherSite.publicKey, origin: OTHER_SITE_ORIGIN };
    case 'adminWithoutCsrf':
      return { ...json, cookie: `${SESSION_COOKIE}=${sessionId}` };
    case 'ingestKey':
      return { ...json, authorization: `Bearer ${w.site.ingestKey}` };
    default:
      return { ...json, cookie: `${SESSION_COOKIE}=${sessionId}`, 'x-backstop-csrf': '1' };
  }
}

const isWidget = (caller: Caller) => caller === 'widget' || caller === 'widgetForeignOrigin' || caller === 'otherSiteWidget';

interface Result {
  outcome: Outcome | string;
  body: string;
}

function outcomeOf(status: number, body: string): Outcome | string {
  if (status >= 200 && status < 300) return 'allow';
  try {
    return (JSON.parse(body) as { error: { data: { code: string } } }).error.data.code;
  } catch {
    return `HTTP ${status}: ${body.slice(0, 200)}`;
  }
}

/**
 * Calls one procedure as the client that caller would use: mutations as POST; queries as GET, except the
 * widget's (always POST, as the widget sends them); subscriptions as SSE, whose first event decides.
 */
async function call(path: string, type: ProcedureType, caller: Caller, input: unknown, sessionId: string | undefined): Promise<Result> {
  const headers = headersFor(caller, sessionId);
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  if (type === 'subscription') return subscribe(`${base}/trpc/${path}${query}`, headers);
  const post = type === 'mutation' || isWidget(caller);
  const res = await fetch(post ? `${base}/trpc/${path}` : `${base}/trpc/${path}${query}`, {
    method: post ? 'POST' : 'GET',
    headers,
    body: post ? JSON.stringify(input ?? {}) : undefined,
  });
  const body = await res.text();
  return { outcome: outcomeOf(res.status, body), body };
}

/** Opens an SSE subscription: an error event gives its code, a data event or a quiet open stream is allowed. */
async function subscribe(url: string, headers: Record<string, string>): Promise<Result> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: controller.signal });
  if (res.status !== 200 || !res.body) {
    const body = await res.text();
    return { outcome: outcomeOf(res.status, body), body };
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const quiet = setTimeout(() => controller.abort(), QUIET_STREAM_MS);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      for (const block of text.split('\n\n').slice(0, -1)) {
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? null;
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
        if (event === 'serialized-error') return { outcome: (JSON.parse(data) as { data: { code: string } }).data.code, body: data };
        if (event === null && data) return { outcome: 'allow', body: text };
      }
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(quiet);
    controller.abort();
  }
  return { outcome: 'allow', body: text };
}

/** Strings in an input that identify a row (uuids), which an outsider's answer must not repeat. */
function rowIds(input: unknown): string[] {
  return [...JSON.stringify(input ?? null).matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)].map((m) => m[0]);
}

const procedures = routerProcedures();
const paths = [...new Set([...Object.keys(procedures), ...Object.keys(procedureMatrix)])].sort();

describe(`authorization matrix: every tRPC procedure as every caller (${testDbKind})`, () => {
  it.each(paths)('%s', async (path) => {
    const type = procedures[path];
    const row = procedureMatrix[path];
    if (!type) throw new Error(`authorization-matrix.ts has a row for '${path}', which the router no longer has: remove it.`);
    if (!row) throw new Error(`'${path}' (${type}) has no row in the authorization matrix: add '${path}' to server/security/authorization-matrix.ts.`);
    const expected = row.expect(type);
    const mismatches: string[] = [];
    for (const caller of CALLERS) {
      const who = staffMember(caller);
      const sessionId = who && row.endsSession ? await who.freshSession() : who?.sessionId;
      const input = await row.input?.(w, who);
      const { outcome, body } = await call(path, type, caller, input, sessionId);
      if (outcome !== expected[caller]) mismatches.push(`${caller}: expected ${expected[caller]}, got ${outcome} (${body.slice(0, 160)})`);
      else if (outcome === 'allow' && OUTSIDERS.includes(caller) && !row.inputIsCredential) {
        const named = [w.site.siteId, w.site.name, ...rowIds(input)].filter((s) => body.includes(s));
        if (named.length) mismatches.push(`${caller}: allowed, but the answer names site A's ${named.join(', ')}`);
      }
    }
    expect(mismatches, `${path} (${type})`).toEqual([]);
  });

  it('should list every caller in every row', () => {
    for (const [path, type] of Object.entries(procedures)) {
      const row = procedureMatrix[path];
      if (row) expect(Object.keys(row.expect(type)).sort(), path).toEqual([...CALLERS].sort());
    }
  });
});
