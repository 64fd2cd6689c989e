import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { droppedSignals } from '../db/schema';
import { conversation, siteWithCaller, userMessage } from '../test/fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { storeSignals } from './signals';
import { createSite } from './sites';

let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

/** What an operator reads: the feedback a site's widgets say they dropped. */
async function droppedFor(siteId: string): Promise<number> {
  const [row] = await database.db
    .select({ n: sql<number>`coalesce(sum(${droppedSignals.count}), 0)::int` })
    .from(droppedSignals)
    .where(eq(droppedSignals.siteId, siteId));
  return row!.n;
}
const newSite = async () => (await createSite(database.db, { name: 'Drops', origins: [] })).siteId;

describe(`dropped feedback reports (${testDbKind})`, () => {
  it('should count a report sent twice (a retried batch) once', async () => {
    const siteId = await newSite();
    const conv = conversation();
    const dropped = { feedback: 3, reportId: randomUUID() };
    const batch = { items: [userMessage(conv)], dropped };
    await storeSignals(database.db, { siteId, userAgent: null }, batch);
    await storeSignals(database.db, { siteId, userAgent: null }, batch);
    expect(await droppedFor(siteId)).toBe(3);
  });

  it('should count each of two reports with different ids', async () => {
    const siteId = await newSite();
    const conv = conversation();
    await storeSignals(database.db, { siteId, userAgent: null }, { items: [userMessage(conv)], dropped: { feedback: 3, reportId: randomUUID() } });
    await storeSignals(database.db, { siteId, userAgent: null }, { items: [userMessage(conv)], dropped: { feedback: 2, reportId: randomUUID() } });
    expect(await droppedFor(siteId)).toBe(5);
  });

  it('should keep counting reports without an id, as widgets from before sent them', async () => {
    const siteId = await newSite();
    const conv = conversation();
    await storeSignals(database.db, { siteId, userAgent: null }, { items: [userMessage(conv)], dropped: { feedback: 1 } });
    await storeSignals(database.db, { siteId, userAgent: null }, { items: [userMessage(conv)], dropped: { feedback: 1 } });
    expect(await droppedFor(siteId)).toBe(2);
  });

  it("should let two sites' widgets use the same report id", async () => {
    const [a, b] = [await newSite(), await newSite()];
    const dropped = { feedback: 4, reportId: randomUUID() };
    await storeSignals(database.db, { siteId: a, userAgent: null }, { items: [userMessage(conversation())], dropped });
    await storeSignals(database.db, { siteId: b, userAgent: null }, { items: [userMessage(conversation())], dropped });
    expect([await droppedFor(a), await droppedFor(b)]).toEqual([4, 4]);
  });

  it('should refuse a report id that is not a UUID, naming the field', async () => {
    const { caller } = await siteWithCaller(database.db);
    const batch = { items: [userMessage(conversation())], dropped: { feedback: 1, reportId: 'report-1' } };
    const error = await caller()
      .signal.push(batch)
      .then(() => undefined, (e: { code: string; cause: unknown }) => e);
    const { flattenIssues } = await import('../trpc');
    expect(error?.code).toBe('BAD_REQUEST');
    expect(Object.keys(flattenIssues(error?.cause) ?? {})).toEqual(['dropped.reportId']);
  });
});
