import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { sites, topics } from '../db/schema';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { autonomyLookup } from './drafts-hold';
import { createSite } from './sites';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

describe(`autonomyLookup (${testDbKind})`, () => {
  it('should give each named topic its level and every other topic the site default', async () => {
    const site = await createSite(database.db, { name: 'Shop', origins: [] });
    await database.db.insert(topics).values([
      { siteId: site.siteId, name: 'refunds', autonomy: 'human_review' },
      { siteId: site.siteId, name: 'billing', autonomy: 'suggest_handoff' },
    ]);
    await database.db.update(sites).set({ trust: sql`${sites.trust} || '{"defaultAutonomy":"suggest_handoff"}'::jsonb` }).where(eq(sites.id, site.siteId));
    const of = await autonomyLookup(database.db, site.siteId, ['refunds', 'unknown']);
    expect(of('refunds')).toBe('human_review');
    expect(of(' refunds ')).toBe('human_review');
    expect(of('unknown')).toBe('suggest_handoff');
    expect(of(null)).toBe('suggest_handoff');
    // Not asked for: the lookup holds only the topics of its batch.
    expect(of('billing')).toBe('suggest_handoff');
  });

  it('should default to auto on a site that never changed its trust settings', async () => {
    const site = await createSite(database.db, { name: 'Plain', origins: [] });
    expect((await autonomyLookup(database.db, site.siteId, []))('anything')).toBe('auto');
  });

  it('should not give one site’s topics to another', async () => {
    const a = await createSite(database.db, { name: 'A', origins: [] });
    const b = await createSite(database.db, { name: 'B', origins: [] });
    await database.db.insert(topics).values({ siteId: a.siteId, name: 'refunds', autonomy: 'human_review' });
    expect((await autonomyLookup(database.db, b.siteId, ['refunds']))('refunds')).toBe('auto');
  });
});
