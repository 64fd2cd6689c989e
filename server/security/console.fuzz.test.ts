/**
 * Every console (staff) procedure under random input, over HTTP as site A's admin (the caller whose input
 * reaches the most code): hostile JSON values, and each procedure's valid input from the authorization
 * matrix with one part replaced or removed. The answer is never a 5xx, and a refused call changes nothing:
 * a fingerprint of every table staff actions write (rows and their contents) is taken around each call.
 * The staff procedures are found in the router and the matrix (those site A's admin may reach), so a new
 * one is fuzzed without a change here.
 *
 * PROPERTY_RUNS sets the runs per procedure (default 20).
 */
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { SESSION_COOKIE } from '../context';
import type { Database } from '../db/client';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { procedureMatrix } from './authorization-matrix';
import { hostileValue, mutated, RUNS } from './fuzz-values';
import { buildWorld, type World } from './matrix-world';
import { callProcedure, routerProcedures } from './trpc-http';

const runs = RUNS || 20;

/** Tables a staff action may write; sessions are left out (every call touches its own). */
const WRITTEN = ['sites', 'site_webhooks', 'ingest_keys', 'staff', 'staff_sites', 'conversations', 'messages', 'feedback', 'escalations', 'escalation_requests', 'escalation_notes', 'events', 'cases', 'webhook_deliveries', 'audit_log'];

let database: Database;
let app: FastifyInstance;
let base: string;
let w: World;
let tables: string[];

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false, review: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  w = await buildWorld(database.db);
  const present = await database.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  const rows = (Array.isArray(present) ? present : (present as { rows: { table_name: string }[] }).rows).map((r) => r.table_name);
  tables = WRITTEN.filter((t) => rows.includes(t));
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

/**
 * Every written table's rows, hashed: a refused call must leave it as it was. One statement for all tables
 * (it runs twice around each of thousands of calls), each giving `table:rows:md5 of its rows in order`.
 */
async function fingerprint(): Promise<string> {
  const perTable = tables.map(
    (table) => `(select '${table}:' || count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from "${table}" t)`,
  );
  const result = await database.db.execute<{ f: string }>(sql.raw(`select concat_ws(' ', ${perTable.join(', ')}) as f`));
  return (Array.isArray(result) ? result : (result as { rows: { f: string }[] }).rows)[0]!.f;
}

const procedures = routerProcedures();
/** Procedures a signed-in admin of the site can reach (not the widget's, not ingest's). */
const staffPaths = Object.keys(procedures)
  .filter((path) => procedureMatrix[path] && procedureMatrix[path]!.expect(procedures[path]!).admin !== 'UNAUTHORIZED')
  .sort();

describe(`fuzzing every console procedure (${testDbKind})`, () => {
  it('should find the console procedures', () => {
    expect(staffPaths).toContain('review.label');
    expect(staffPaths).not.toContain('signal.push');
  });

  it.each(staffPaths)('%s: never a 5xx, and a refused call changes nothing', async (path) => {
    const type = procedures[path]!;
    const row = procedureMatrix[path]!;
    // Calls that end sessions or change the account (logout, a password change) run as an admin of their own.
    const admin = row.endsSession ? await w.staff.admin.twin() : w.staff.admin;
    const valid = await row.input?.(w, admin);
    const input = valid === undefined ? hostileValue : fc.oneof({ weight: 3, arbitrary: mutated(valid) }, { weight: 1, arbitrary: hostileValue });
    const headers = { 'content-type': 'application/json', cookie: `${SESSION_COOKIE}=${admin.sessionId}`, 'x-backstop-csrf': '1' };
    await fc.assert(
      fc.asyncProperty(input, async (value) => {
        const before = await fingerprint();
        const res = await callProcedure(base, path, type, headers, value);
        expect(res.status, `${res.outcome}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
        if (res.outcome !== 'allow') expect(await fingerprint(), `refused with ${res.outcome}`).toBe(before);
      }),
      { numRuns: runs },
    );
  }, 60_000);
});
