/** Named, revocable ingest keys: admin-only procedures, keys shown once, revocation at once, last use, audit. */
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { auditLog, ingestKeys, sites } from '../db/schema';
import { sha256 } from '../domain/secrets';
import { createSite, type CreatedSite } from '../domain/sites';
import { hex, jsonBody } from '../test/otlp-fixtures';
import { instanceOf, signedInStaff, type Instance } from '../test/handoff-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { createIngestKeyCache } from '../traces/ingest-keys';

let database: Database;
let inst: Instance;
let app: FastifyInstance;
let site: CreatedSite;
let other: CreatedSite;

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  app = await buildApp({ database, webhooks: false });
  site = await createSite(database.db, { name: 'Keys', origins: [] });
  other = await createSite(database.db, { name: 'Other', origins: [] });
});
afterAll(async () => {
  await app.close();
  await inst.close();
  await database.close();
});

const exportWith = (key: string) =>
  app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, payload: JSON.stringify(jsonBody([{ traceId: hex(16), name: 'chat' }])) });

describe(`ingest keys (${testDbKind})`, () => {
  it("should store a new site's first key as 'default' in ingest_keys and accept it on /v1/traces", async () => {
    const rows = await database.db.select().from(ingestKeys).where(eq(ingestKeys.siteId, site.siteId));
    expect(rows.map((r) => [r.name, r.keyHash, r.revokedAt])).toEqual([['default', sha256(site.ingestKey), null]]);
    expect((await exportWith(site.ingestKey)).statusCode).toBe(200);
  });

  it('should authenticate by ingest_keys only, not by the old sites.ingest_key_hash column', async () => {
    const stale = 'sk_' + 'x'.repeat(32);
    await database.db.update(sites).set({ ingestKeyHash: sha256(stale) }).where(eq(sites.id, other.siteId));
    expect((await exportWith(stale)).statusCode).toBe(401);
    expect((await exportWith(other.ingestKey)).statusCode).toBe(200);
  });

  it('should create a named key shown once, list keys without secrets, and stop a revoked key at once', async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    const created = await admin.caller().ingestKey.create({ siteId: site.siteId, name: 'production exporter' });
    expect(created.key).toMatch(/^sk_[\w-]{32}$/);
    expect(created).toMatchObject({ name: 'production exporter', createdBy: admin.email, revokedAt: null, lastUsedAt: null });
    expect((await exportWith(created.key)).statusCode).toBe(200);

    const listed = await admin.caller().ingestKey.list({ siteId: site.siteId });
    expect(listed.map((k) => k.name)).toEqual(['default', 'production exporter']);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(JSON.stringify(listed)).not.toContain(sha256(created.key));

    await admin.caller().ingestKey.revoke({ siteId: site.siteId, keyId: created.id });
    // The app's lookup had just accepted the key: no cached positive answer survives the revocation.
    const refused = await exportWith(created.key);
    expect(refused.statusCode).toBe(401);
    expect((await exportWith(site.ingestKey)).statusCode).toBe(200);
    const after = await admin.caller().ingestKey.list({ siteId: site.siteId });
    expect(after.find((k) => k.id === created.id)!.revokedAt).not.toBeNull();

    const audit = await database.db.select().from(auditLog).where(eq(auditLog.targetId, created.id)).orderBy(auditLog.id);
    expect(audit.map((a) => [a.action, a.actor, a.siteId])).toEqual([
      ['ingest_key.create', admin.email, site.siteId],
      ['ingest_key.revoke', admin.email, site.siteId],
    ]);
  });

  // Found by the console fuzz run: a name of only U+0000 reached PostgreSQL and failed with 500.
  it('should refuse a key name that is empty once U+0000 is removed, with a clear message', async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    await expect(admin.caller().ingestKey.create({ siteId: site.siteId, name: '\u0000' })).rejects.toThrow(/give the key a name/);
    const named = await admin.caller().ingestKey.create({ siteId: site.siteId, name: 'ci\u0000 exporter' });
    expect(named.name).toBe('ci exporter');
  });

  it('should refuse a revoked key on trace.record as well', async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    const created = await admin.caller().ingestKey.create({ siteId: site.siteId, name: 'sdk' });
    const keys = createIngestKeyCache(database.db);
    expect(await keys.siteFor(created.key)).toBe(site.siteId);
    await admin.caller().ingestKey.revoke({ siteId: site.siteId, keyId: created.id });
    expect(await keys.siteFor(created.key)).toBeNull();
  });

  it('should write last_used_at on use, at most once a minute per key', async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    const created = await admin.caller().ingestKey.create({ siteId: site.siteId, name: 'last used' });
    const keys = createIngestKeyCache(database.db);
    await keys.siteFor(created.key);
    await keys.flush();
    const lastUsed = async () => (await database.db.select({ at: ingestKeys.lastUsedAt }).from(ingestKeys).where(eq(ingestKeys.id, created.id)))[0]!.at;
    const first = await lastUsed();
    expect(first).not.toBeNull();
    // Pretend the write was 30 s ago: another use within the minute writes nothing.
    const earlier = new Date(first!.getTime() - 30_000);
    await database.db.update(ingestKeys).set({ lastUsedAt: earlier }).where(eq(ingestKeys.id, created.id));
    await createIngestKeyCache(database.db).siteFor(created.key);
    await keys.siteFor(created.key);
    await keys.flush();
    expect((await lastUsed())!.getTime()).toBe(earlier.getTime());
    expect((await admin.caller().ingestKey.list({ siteId: site.siteId })).find((k) => k.id === created.id)!.lastUsedAt).toBe(earlier.toISOString());
  });

  it('should be for admins of the site only: agents and reviewers FORBIDDEN, other sites NOT_FOUND', async () => {
    const agent = await signedInStaff(inst, 'agent', [site.siteId]);
    const reviewer = await signedInStaff(inst, 'reviewer', [site.siteId]);
    const otherAdmin = await signedInStaff(inst, 'admin', [other.siteId]);
    for (const s of [agent, reviewer]) {
      await expect(s.caller().ingestKey.list({ siteId: site.siteId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(s.caller().ingestKey.create({ siteId: site.siteId, name: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    await expect(otherAdmin.caller().ingestKey.list({ siteId: site.siteId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [key] = await database.db.select().from(ingestKeys).where(eq(ingestKeys.siteId, site.siteId));
    // A key of another site is not found through one's own site either.
    await expect(otherAdmin.caller().ingestKey.revoke({ siteId: other.siteId, keyId: key!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await exportWith(site.ingestKey)).statusCode).toBe(200);
  });

  it('should refuse an empty name', async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    await expect(admin.caller().ingestKey.create({ siteId: site.siteId, name: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
