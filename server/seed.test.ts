import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './db/client';
import { signIn } from './domain/sessions';
import { findSiteByPublicKey } from './domain/sites';
import { seedFirstRun } from './seed';
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
});
