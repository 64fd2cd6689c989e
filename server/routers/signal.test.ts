import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../shared/schemas';
import type { Database } from '../db/client';
import { countRows } from '../domain/signals';
import { agentMessage, conversation, feedbackFor, siteWithCaller, userMessage } from '../test/fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let ctx: Awaited<ReturnType<typeof siteWithCaller>>;

beforeAll(async () => {
  database = await openTestDatabase();
  ctx = await siteWithCaller(database.db);
});
afterAll(() => database.close());

async function rejection(items: unknown[]): Promise<TRPCError> {
  try {
    await ctx.caller().signal.push({ items: items as Signal[] });
  } catch (err) {
    if (err instanceof TRPCError) return err;
    throw err;
  }
  throw new Error('expected the batch to be refused');
}

/** The field map the error formatter would send, computed the same way. */
async function fieldsOf(err: TRPCError): Promise<Record<string, string>> {
  const { flattenIssues } = await import('../trpc');
  return flattenIssues(err.cause) ?? {};
}

describe(`signal.push (${testDbKind})`, () => {
  it('should store messages and feedback and report each as stored', async () => {
    const conv = conversation();
    const answer = agentMessage(conv);
    const items = [userMessage(conv), answer, feedbackFor(answer)];
    const before = await countRows(database.db, 'feedback');
    const { results } = await ctx.caller().signal.push({ items });
    expect(results.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);
    expect(await countRows(database.db, 'feedback')).toBe(before + 1);
  });

  it('should return the original result for a replayed batch and store nothing new', async () => {
    const conv = conversation();
    const answer = agentMessage(conv);
    const items = [answer, feedbackFor(answer, { rating: 1, reasons: [] })];
    await ctx.caller().signal.push({ items });
    const before = [await countRows(database.db, 'messages'), await countRows(database.db, 'feedback')];
    const { results } = await ctx.caller().signal.push({ items });
    expect(results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect([await countRows(database.db, 'messages'), await countRows(database.db, 'feedback')]).toEqual(before);
  });

  it('should refuse a reused clientEventId with a different body as CONFLICT', async () => {
    const conv = conversation();
    const answer = agentMessage(conv);
    const fb = feedbackFor(answer);
    await ctx.caller().signal.push({ items: [answer, fb] });
    const err = await rejection([{ ...fb, comment: 'changed' }]);
    expect(err.code).toBe('CONFLICT');
    expect(await fieldsOf(err)).toHaveProperty(['items.0.clientEventId']);
  });

  it('should store nothing from a batch in which one item is refused', async () => {
    const conv = conversation();
    const answer = agentMessage(conv);
    const before = await countRows(database.db, 'messages');
    const err = await rejection([answer, feedbackFor(answer, { messageId: crypto.randomUUID() })]);
    expect(err.code).toBe('BAD_REQUEST');
    expect(await fieldsOf(err)).toEqual({ 'items.1.messageId': expect.stringContaining('no message') });
    expect(await countRows(database.db, 'messages')).toBe(before);
  });

  it('should keep every rating change as history', async () => {
    const conv = conversation();
    const answer = agentMessage(conv);
    await ctx.caller().signal.push({ items: [answer, feedbackFor(answer, { rating: 1, reasons: [] })] });
    const before = await countRows(database.db, 'feedback');
    await ctx.caller().signal.push({ items: [feedbackFor(answer, { rating: -1, reasons: ['forgot_context'] })] });
    expect(await countRows(database.db, 'feedback')).toBe(before + 1);
  });

  const conv = conversation();
  const answer = agentMessage(conv);
  const badInputs: [string, () => unknown[], string, string][] = [
    ['a rating other than ±1', () => [answer, { ...feedbackFor(answer), rating: 2 }], 'BAD_REQUEST', 'items.1.rating'],
    ['an unknown reason', () => [answer, { ...feedbackFor(answer), reasons: ['bored'] }], 'BAD_REQUEST', 'items.1.reasons.0'],
    ['a comment over 2000 characters', () => [answer, feedbackFor(answer, { comment: 'x'.repeat(2001) })], 'BAD_REQUEST', 'items.1.comment'],
    ['reasons with a positive rating', () => [answer, feedbackFor(answer, { rating: 1 })], 'BAD_REQUEST', 'items.1.reasons'],
    ['a clientEventId that is not a UUID', () => [{ ...answer, clientEventId: 'abc' }], 'BAD_REQUEST', 'items.0.clientEventId'],
    ['an unknown signal kind', () => [{ ...answer, kind: 'telemetry' }], 'BAD_REQUEST', 'items.0.kind'],
    ['feedback on a user message', () => { const u = userMessage(conv); return [u, feedbackFor(u as never)]; }, 'BAD_REQUEST', 'items.1.messageId'],
    ['a wrong conversation token', () => [{ ...agentMessage(conv), conversationToken: 'x'.repeat(43) }], 'NOT_FOUND', 'items.0.conversationToken'],
    ['the same event twice in one batch', () => { const m = agentMessage(conversation()); return [m, m]; }, 'BAD_REQUEST', 'items.1.clientEventId'],
    ['an empty batch', () => [], 'BAD_REQUEST', 'items'],
  ];
  it.each(badInputs)('should refuse %s with a field map naming the field', async (_name, items, code, field) => {
    if (code === 'NOT_FOUND') await ctx.caller().signal.push({ items: [agentMessage(conv)] }); // bind the conversation first
    const before = await countRows(database.db, 'feedback');
    const err = await rejection(items());
    expect(err.code).toBe(code);
    expect(Object.keys(await fieldsOf(err))).toContain(field);
    expect(await countRows(database.db, 'feedback')).toBe(before);
  });

  it('should refuse a batch of more than 500 signals as PAYLOAD_TOO_LARGE', async () => {
    const c = conversation();
    const err = await rejection(Array.from({ length: 501 }, () => userMessage(c, 'hi')));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.message).toContain('500');
  });

  it('should refuse a single signal over 16 KiB as PAYLOAD_TOO_LARGE naming the item', async () => {
    const c = conversation();
    const big = { ...agentMessage(c), text: 'x'.repeat(8000), answer: { id: 'a', confidence: 0.5, sources: Array.from({ length: 20 }, (_, i) => ({ title: 't'.repeat(400), url: `https://e.com/${i}` })) } };
    const err = await rejection([userMessage(c), big]);
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(Object.keys(await fieldsOf(err))).toEqual(['items.1']);
  });

  it('should refuse a request from an origin that is not allowed', async () => {
    await expect(ctx.caller('https://evil.example').signal.push({ items: [userMessage(conversation())] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('should refuse an unknown site key', async () => {
    const { createContextInner } = await import('../context');
    const { createCallerFactory } = await import('../trpc');
    const { appRouter } = await import('./index');
    const caller = createCallerFactory(appRouter)(createContextInner({ db: database.db, siteKey: 'pk_nope12345' }));
    await expect(caller.site.config()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should give the site config with default thresholds', async () => {
    const config = await ctx.caller().site.config();
    expect(config.policy.thresholds).toEqual({ high: 0.8, low: 0.5 });
  });

  it("should answer another site's conversation, even with its token, as it answers a wrong token: NOT_FOUND, nothing stored", async () => {
    const other = await siteWithCaller(database.db);
    const c = conversation();
    await ctx.caller().signal.push({ items: [userMessage(c)] });
    const before = await countRows(database.db, 'messages');
    const foreign = await other.caller().signal.push({ items: [userMessage(c)] }).catch((e: TRPCError) => e);
    const wrongToken = await ctx.caller().signal.push({ items: [{ ...userMessage(c), conversationToken: 'w'.repeat(43) }] }).catch((e: TRPCError) => e);
    expect(foreign).toMatchObject({ code: 'NOT_FOUND' });
    expect(wrongToken).toMatchObject({ code: 'NOT_FOUND' });
    expect((foreign as TRPCError).message).toBe((wrongToken as TRPCError).message);
    expect(await countRows(database.db, 'messages')).toBe(before);
  });

  it('should copy trace id, confidence and topic of the rated message onto the feedback', async () => {
    const c = conversation();
    const m = agentMessage(c);
    await ctx.caller().signal.push({ items: [m, feedbackFor(m)] });
    const rows = await database.db.query.feedback.findMany({ where: (f, { eq }) => eq(f.conversationId, c.conversationId) });
    expect(rows[0]).toMatchObject({ traceId: m.answer!.traceId, topic: 'billing', rating: -1, reasons: ['wrong'] });
    expect(rows[0]!.confidence).toBeCloseTo(0.9);
  });
});
