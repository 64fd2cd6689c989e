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
import { openTestDatabase, testDbKind } from '../test/test-db';
import { CALLERS, OUTSIDERS, procedureMatrix, type Caller } from './authorization-matrix';
import { callProcedure, routerProcedures } from './trpc-http';
import { buildWorld, FOREIGN_ORIGIN, OTHER_SITE_ORIGIN, SITE_ORIGIN, type StaffMember, type World } from './matrix-world';

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
      const shared = staffMember(caller);
      const who = shared && row.endsSession ? await shared.twin() : shared;
      const sessionId = who?.sessionId;
      const input = await row.input?.(w, who);
      const { outcome, body } = await callProcedure(base, path, type, headersFor(caller, sessionId), input, { post: isWidget(caller) });
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
