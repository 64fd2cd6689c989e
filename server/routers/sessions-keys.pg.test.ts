/**
 * Two app instances on one PostgreSQL schema, each with its own pool: ending a session (logout, password
 * change, disabling) and revoking an ingest key on one instance take effect on the other at once.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { openDatabase, type Database } from '../db/client';
import { createSite, type CreatedSite } from '../domain/sites';
import { addStaffToSites, createStaff } from '../domain/staff';
import { hex, jsonBody } from '../test/otlp-fixtures';
import { PASSWORD } from '../test/handoff-fixtures';
import { freshPostgresOptions } from '../test/test-db';

describe('sessions and ingest keys across two instances on one PostgreSQL', () => {
  const options = freshPostgresOptions();
  let dbA: Database;
  let dbB: Database;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let site: CreatedSite;

  beforeAll(async () => {
    dbA = await openDatabase(options);
    dbB = await openDatabase(options);
    a = await buildApp({ database: dbA, webhooks: false });
    b = await buildApp({ database: dbB, webhooks: false });
    site = await createSite(dbA.db, { name: 'Two', origins: [] });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dbA.exec(`DROP SCHEMA IF EXISTS "${options.schema}" CASCADE`);
    await dbA?.close();
    await dbB?.close();
  });

  const json = { 'content-type': 'application/json', 'x-backstop-csrf': '1' };
  const call = (app: FastifyInstance, path: string, body: unknown, cookie?: string) =>
    app.inject({ method: 'POST', url: `/trpc/${path}`, headers: { ...json, ...(cookie ? { cookie } : {}) }, payload: JSON.stringify(body ?? {}) });
  const query = (app: FastifyInstance, path: string, cookie: string, input?: unknown) =>
    app.inject({ method: 'GET', url: `/trpc/${path}${input ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''}`, headers: { cookie } });

  async function account(role: 'admin' | 'agent', password = PASSWORD) {
    const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const row = await createStaff(dbA.db, { email, role, password });
    await addStaffToSites(dbA.db, row.id, [site.siteId]);
    return { ...row, email };
  }
  async function login(app: FastifyInstance, email: string, password = PASSWORD): Promise<string> {
    const res = await call(app, 'staff.login', { email, password });
    expect(res.statusCode).toBe(200);
    return String(res.headers['set-cookie']).split(';')[0]!;
  }

  it('should end a session on B the moment it is logged out on A', async () => {
    const agent = await account('agent');
    const cookie = await login(a, agent.email);
    expect((await query(b, 'staff.me', cookie)).statusCode).toBe(200);
    expect((await call(a, 'staff.logout', {}, cookie)).statusCode).toBe(200);
    expect((await query(b, 'staff.me', cookie)).statusCode).toBe(401);
  });

  it('should end the sessions on A of an account disabled on B, and refuse its sign-in on A', async () => {
    const admin = await account('admin');
    const agent = await account('agent');
    const agentOnA = await login(a, agent.email);
    expect((await query(a, 'staff.me', agentOnA)).statusCode).toBe(200);
    const adminOnB = await login(b, admin.email);
    expect((await call(b, 'staff.disable', { staffId: agent.id }, adminOnB)).statusCode).toBe(200);
    expect((await query(a, 'staff.me', agentOnA)).statusCode).toBe(401);
    const refused = await call(a, 'staff.login', { email: agent.email, password: PASSWORD });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('Wrong email or password.');
  });

  it('should end the other sessions on both instances when the password is changed, and keep the changing browser signed in', async () => {
    const agent = await account('agent');
    const onA = await login(a, agent.email);
    const onB = await login(b, agent.email);
    const changed = await call(a, 'staff.changePassword', { currentPassword: PASSWORD, newPassword: 'another long passphrase' }, onA);
    expect(changed.statusCode).toBe(200);
    const renewed = String(changed.headers['set-cookie']).split(';')[0]!;
    expect((await query(b, 'staff.me', onB)).statusCode).toBe(401);
    expect((await query(a, 'staff.me', onA)).statusCode).toBe(401);
    expect((await query(b, 'staff.me', renewed)).statusCode).toBe(200);
  });

  it('should throttle an account across instances: failures on A and B count together', async () => {
    const agent = await account('agent');
    for (let i = 0; i < 5; i++) expect((await call(i % 2 ? a : b, 'staff.login', { email: agent.email, password: 'wrong wrong wrong' })).statusCode).toBe(401);
    const refused = await call(a, 'staff.login', { email: agent.email, password: PASSWORD });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('should stop accepting a key on B the moment it is revoked on A, although B had just accepted it', async () => {
    const admin = await account('admin');
    const cookie = await login(a, admin.email);
    const created = (await call(a, 'ingestKey.create', { siteId: site.siteId, name: 'exporter' }, cookie)).json().result.data;
    const exportTo = (app: FastifyInstance) =>
      app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${created.key}` }, payload: JSON.stringify(jsonBody([{ traceId: hex(16), name: 'chat' }])) });
    expect((await exportTo(b)).statusCode).toBe(200);
    expect((await exportTo(b)).statusCode).toBe(200);
    expect((await call(a, 'ingestKey.revoke', { siteId: site.siteId, keyId: created.id }, cookie)).statusCode).toBe(200);
    expect((await exportTo(b)).statusCode).toBe(401);
    expect((await exportTo(a)).statusCode).toBe(401);
  });
});
