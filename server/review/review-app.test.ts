import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { cases } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { agentMessage, conversation, feedbackFor, TEST_ORIGIN, userMessage } from '../test/fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

// The server runs the projector by itself: a rating sent over HTTP becomes a classified case.
let database: Database;
let app: FastifyInstance;
let site: CreatedSite;

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false, review: { intervalMs: 20 } });
  site = await createSite(database.db, { name: 'Review app', origins: [TEST_ORIGIN] });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

describe(`review projector in the server (${testDbKind})`, () => {
  it('should turn a Not helpful sent to the server into a classified case without being asked', async () => {
    const conv = conversation();
    const answer = agentMessage(conv, { answer: { id: 'a1', confidence: 0.2, traceId: '0af7651916cd43dd8448eb211c80319c', topic: 'billing' } });
    const res = await app.inject({
      method: 'POST',
      url: '/trpc/signal.push',
      headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: TEST_ORIGIN },
      payload: JSON.stringify({ items: [userMessage(conv), answer, feedbackFor(answer, { reasons: [] })] }),
    });
    expect(res.statusCode).toBe(200);
    await expect
      .poll(async () => (await database.db.select().from(cases).where(eq(cases.conversationId, conv.conversationId)))[0]?.rationale ?? null, { timeout: 10_000 })
      .toBe('stated confidence 0.20 and the answer cites no sources');
  });
});
