import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { auditLog } from '../db/schema';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { CLI_ACTOR } from './audit';
import { createSite } from './sites';
import { autonomyFor } from './topic-policy';
import { listTopics, setTopic } from './topics';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe(`topics and their policy (${testDbKind})`, () => {
  it('should create a topic, change only the given fields, audit each change, and give its autonomy to answers', async () => {
    const site = await createSite(database.db, { name: 'Topics', origins: [] });
    expect(await autonomyFor(database.db, site.siteId, 'refunds')).toBe('auto');

    const created = await setTopic(database.db, CLI_ACTOR, { siteId: site.siteId, name: 'refunds', failureCost: 'high', criterion: 'names the refund amount' });
    expect(created).toMatchObject({ name: 'refunds', failureCost: 'high', autonomy: 'auto', criterion: 'names the refund amount', updatedBy: 'cli' });
    const changed = await setTopic(database.db, CLI_ACTOR, { siteId: site.siteId, name: 'refunds', autonomy: 'human_review', reason: 'high cost, no record yet' });
    expect(changed).toMatchObject({ failureCost: 'high', autonomy: 'human_review', criterion: 'names the refund amount' });
    expect(await autonomyFor(database.db, site.siteId, ' refunds ')).toBe('human_review');
    expect(await autonomyFor(database.db, site.siteId, 'billing')).toBe('auto');
    expect(await autonomyFor(database.db, site.siteId, null)).toBe('auto');
    expect((await listTopics(database.db, site.siteId)).map((t) => t.name)).toEqual(['refunds']);

    const audit = await database.db.select().from(auditLog).where(eq(auditLog.siteId, site.siteId)).orderBy(auditLog.id);
    expect(audit.map((a) => a.action)).toEqual(['topic.create', 'topic.set']);
    expect(audit[1]!.details).toEqual({
      before: { failureCost: 'high', autonomy: 'auto', criterion: 'names the refund amount' },
      after: { failureCost: 'high', autonomy: 'human_review', criterion: 'names the refund amount' },
      reason: 'high cost, no record yet',
    });
  });
});
