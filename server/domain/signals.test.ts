import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { agentMessage, conversation, feedbackFor } from '../test/fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { createSignalCache, LruMap } from './signal-cache';
import { countRows, storeSignals } from './signals';
import { createSite } from './sites';

let database: Database;
let siteId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  siteId = (await createSite(database.db, { name: 'Cache', origins: [] })).siteId;
});
afterAll(() => database.close());

describe(`storeSignals with a shared cache (${testDbKind})`, () => {
  it('should rate a message stored by an earlier batch', async () => {
    const cache = createSignalCache();
    const m = agentMessage(conversation());
    await storeSignals(database.db, { siteId, userAgent: null, cache }, { items: [m] });
    expect(cache.messages.size).toBe(1);
    const [result] = await storeSignals(database.db, { siteId, userAgent: null, cache }, { items: [feedbackFor(m)] });
    expect(result!.status).toBe('stored');
    const rows = await database.db.query.feedback.findMany({ where: (f, { eq }) => eq(f.conversationId, m.conversationId) });
    expect(rows[0]).toMatchObject({ traceId: m.answer!.traceId, topic: 'billing' });
    expect(rows[0]!.confidence).toBeCloseTo(0.9);
  });

  it('should refuse a wrong token for a conversation it has cached', async () => {
    const cache = createSignalCache();
    const conv = conversation();
    await storeSignals(database.db, { siteId, userAgent: null, cache }, { items: [agentMessage(conv)] });
    const forged = { ...agentMessage(conv), conversationToken: 'y'.repeat(43) };
    await expect(storeSignals(database.db, { siteId, userAgent: null, cache }, { items: [forged] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('should check the token of every item, not only the first of its conversation', async () => {
    const conv = conversation();
    const forged = { ...agentMessage(conv), conversationToken: 'z'.repeat(43) };
    await expect(storeSignals(database.db, { siteId, userAgent: null }, { items: [agentMessage(conv), forged] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      fields: { 'items.1.conversationToken': 'no conversation with this id and token on this site' },
    });
  });

  it('should learn nothing from a batch that was rolled back', async () => {
    const cache = createSignalCache();
    const conv = conversation();
    const refused = [agentMessage(conv), feedbackFor(agentMessage(conv), { messageId: randomUUID() })];
    await expect(storeSignals(database.db, { siteId, userAgent: null, cache }, { items: refused })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(cache.conversations.size).toBe(0);
    // Had the rolled-back conversation been cached, this insert would skip creating it and break its foreign key.
    const before = await countRows(database.db, 'messages');
    await storeSignals(database.db, { siteId, userAgent: null, cache }, { items: [agentMessage(conv)] });
    expect(await countRows(database.db, 'messages')).toBe(before + 1);
  });
});

describe('LruMap', () => {
  it('should forget the least recently used entry past its size', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
  });
});
