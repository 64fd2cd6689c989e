import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './db/client';
import { ingestKeys, settings } from './db/schema';
import { createIngestKeyCache } from './traces/ingest-keys';
import { sha256 } from './domain/secrets';
import { signIn } from './domain/sessions';
import { findSiteByPublicKey } from './domain/sites';
import { DEMO_INGEST_KEY_SETTING, ensureDemoIngestKey, seedFirstRun } from './seed';
import { openTestDatabase, testDbKind } from './test/test-db';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

describe(`first run (${testDbKind})`, () => {
  it('should make the first admin a member of the demo site, so the Inbox works out of the box', async () => {
    const seed = await seedFirstRun(database.db, ['http://localhost:4000']);
    const site = await findSiteByPublicKey(database.db, seed.demoPublicKey);
    const session = await signIn(database.db, seed.admin!.email, seed.admin!.password);
    expect(session!.staff).toMatchObject({ role: 'admin', siteIds: [site!.id] });
  });

  it("should give the demo its site's ingest key, the same on every start", async () => {
    const first = await seedFirstRun(database.db, ['http://localhost:4000']);
    const again = await seedFirstRun(database.db, ['http://localhost:4000']);
    expect(first.demoIngestKey).toMatch(/^sk_/);
    expect(again.demoIngestKey).toBe(first.demoIngestKey);
    const site = await findSiteByPublicKey(database.db, first.demoPublicKey);
    expect(await createIngestKeyCache(database.db).siteFor(first.demoIngestKey)).toBe(site!.id);
  });

  it('should rotate the demo key once for a data directory from before the demo kept it', async () => {
    const seed = await seedFirstRun(database.db, ['http://localhost:4000']);
    const site = (await findSiteByPublicKey(database.db, seed.demoPublicKey))!;
    // As an install from before: the key was shown once and only its hash is stored.
    await database.db.delete(settings).where(eq(settings.key, `${DEMO_INGEST_KEY_SETTING}${site.id}`));
    const rotated = (await seedFirstRun(database.db, ['http://localhost:4000'])).demoIngestKey;
    expect(rotated).not.toBe(seed.demoIngestKey);
    // The site's 'default' key is the new one: the old key stops working, the new one works.
    const keys = createIngestKeyCache(database.db, { missTtlMs: 0 });
    expect(await keys.siteFor(rotated)).toBe(site.id);
    expect(await keys.siteFor(seed.demoIngestKey)).toBeNull();
    const rows = await database.db.select().from(ingestKeys).where(eq(ingestKeys.siteId, site.id));
    expect(rows.map((r) => [r.name, r.keyHash])).toEqual([['default', sha256(rotated)]]);
    expect((await seedFirstRun(database.db, ['http://localhost:4000'])).demoIngestKey).toBe(rotated);
  });

  it('should agree on one key when several instances ensure it at once', async () => {
    const seed = await seedFirstRun(database.db, ['http://localhost:4000']);
    const site = (await findSiteByPublicKey(database.db, seed.demoPublicKey))!;
    await database.db.delete(settings).where(eq(settings.key, `${DEMO_INGEST_KEY_SETTING}${site.id}`));
    const keys = await Promise.all([1, 2, 3, 4].map(() => ensureDemoIngestKey(database.db, site.id)));
    expect(new Set(keys).size).toBe(1);
    expect(await createIngestKeyCache(database.db).siteFor(keys[0]!)).toBe(site.id);
    const rows = await database.db.select().from(ingestKeys).where(eq(ingestKeys.siteId, site.id));
    expect(rows.map((r) => r.keyHash)).toEqual([sha256(keys[0]!)]);
  });
});
