import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../shared/schemas';
import type { Database } from '../db/client';
import { agentMessage, conversation, feedbackFor, userMessage } from '../test/fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { createSignalCache } from './signal-cache';
import { createSignalWriter } from './signal-writer';
import { countRows } from './signals';
import { createSite } from './sites';

let database: Database;
let siteId: string;

// Feedback rows with these comments make the COMMIT of their transaction fail or take 400 ms: a
// deferred constraint trigger runs at commit time, after every statement of the group succeeded.
const FAIL_AT_COMMIT = 'fail at commit';
const SLOW_COMMIT = 'slow commit';
const SLOW_MS = 400;

beforeAll(async () => {
  database = await openTestDatabase();
  siteId = (await createSite(database.db, { name: 'Groups', origins: [] })).siteId;
  await database.exec(`
    create function feedback_commit_check() returns trigger language plpgsql as $$
    begin
      if new.comment = '${FAIL_AT_COMMIT}' then raise exception 'refused at commit'; end if;
      if new.comment = '${SLOW_COMMIT}' then perform pg_sleep(${SLOW_MS / 1000}); end if;
      return null;
    end $$;
    create constraint trigger feedback_commit_check after insert on feedback
      deferrable initially deferred for each row execute function feedback_commit_check();`);
});
afterAll(() => database.close());

const ctx = () => ({ siteId, userAgent: 'vitest' });
const rowsOf = async () => [await countRows(database.db, 'messages'), await countRows(database.db, 'feedback')];

/** A conversation with one stored agent answer, and a writer with its own cache. */
async function setup() {
  const cache = createSignalCache();
  const writer = createSignalWriter(database.db, cache);
  const answer = agentMessage(conversation());
  await writer.store(ctx(), { items: [answer] });
  return { cache, writer, answer };
}

/** Sends the batches in one turn of the event loop, so that they form one group. */
const together = (writer: ReturnType<typeof createSignalWriter>, batches: Signal[][]) =>
  Promise.allSettled(batches.map((items) => writer.store(ctx(), { items })));

describe(`signal writer groups (${testDbKind})`, () => {
  it('should store every request of a group and answer each with its own results', async () => {
    const { writer, answer } = await setup();
    const batches = Array.from({ length: 6 }, () => [feedbackFor(answer)]);
    const before = await rowsOf();
    const outcomes = await together(writer, batches);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.map((r) => [r.clientEventId, r.status]) : o.reason))).toEqual(
      batches.map((items) => [[items[0]!.clientEventId, 'stored']]),
    );
    expect(await rowsOf()).toEqual([before[0], before[1]! + 6]);
  });

  it('should refuse only the request that rates an unknown message, naming its item, and store the others', async () => {
    const { writer, answer } = await setup();
    const c = conversation();
    const bad = [userMessage(c), feedbackFor(agentMessage(c))];
    const before = await rowsOf();
    const [first, refused, last] = await together(writer, [[feedbackFor(answer)], bad, [agentMessage(conversation()), feedbackFor(answer)]]);
    expect(first!.status).toBe('fulfilled');
    expect(last!.status).toBe('fulfilled');
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'BAD_REQUEST', fields: { 'items.1.messageId': expect.stringContaining('no message') } } });
    expect(await rowsOf()).toEqual([before[0]! + 1, before[1]! + 2]);
  });

  it('should refuse a reused id with another body as CONFLICT for its request alone', async () => {
    const { writer, answer } = await setup();
    const fb = feedbackFor(answer);
    await writer.store(ctx(), { items: [fb] });
    const before = await rowsOf();
    const [conflict, replay, fresh] = await together(writer, [[{ ...fb, comment: 'changed' }], [fb], [feedbackFor(answer)]]);
    expect(conflict).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT', fields: { 'items.0.clientEventId': expect.any(String) } } });
    expect(replay).toMatchObject({ status: 'fulfilled', value: [{ status: 'duplicate' }] });
    expect(fresh).toMatchObject({ status: 'fulfilled', value: [{ status: 'stored' }] });
    expect(await rowsOf()).toEqual([before[0], before[1]! + 1]);
  });

  it('should store an event sent by two requests of one group once, answering one stored and one duplicate', async () => {
    const { writer, answer } = await setup();
    const fb = feedbackFor(answer);
    const before = await rowsOf();
    const outcomes = await together(writer, [[fb], [fb]]);
    const statuses = outcomes.map((o) => (o.status === 'fulfilled' ? o.value[0]!.status : 'refused'));
    expect(statuses.sort()).toEqual(['duplicate', 'stored']);
    expect(await rowsOf()).toEqual([before[0], before[1]! + 1]);
  });

  it('should fail every request of a group whose commit fails, store none of them and learn nothing', async () => {
    const { cache, writer, answer } = await setup();
    const learntBefore = cache.conversations.size;
    const before = await rowsOf();
    const outcomes = await together(writer, [
      [agentMessage(conversation())],
      [feedbackFor(answer, { comment: FAIL_AT_COMMIT })],
      [userMessage(conversation()), feedbackFor(answer)],
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await rowsOf()).toEqual(before);
    expect(cache.conversations.size).toBe(learntBefore);
  });

  it('should fail a lone request whose commit fails and store nothing of it', async () => {
    const { writer, answer } = await setup();
    const before = await rowsOf();
    await expect(writer.store(ctx(), { items: [feedbackFor(answer), feedbackFor(answer, { comment: FAIL_AT_COMMIT })] })).rejects.toThrow();
    expect(await rowsOf()).toEqual(before);
  });

  it('should answer no request of a group before the group has committed', async () => {
    const { writer, answer } = await setup();
    const started = performance.now();
    const answeredAfter: number[] = [];
    const requests = [[feedbackFor(answer, { comment: SLOW_COMMIT })], [feedbackFor(answer)], [agentMessage(conversation())]].map((items) =>
      writer.store(ctx(), { items }).then(() => answeredAfter.push(performance.now() - started)),
    );
    await Promise.all(requests);
    // The quick requests are stored in moments; had they been answered before the commit, they would not wait for the slow one.
    expect(Math.min(...answeredAfter)).toBeGreaterThanOrEqual(SLOW_MS - 5);
  });

  it('should refuse a wrong conversation token for its request alone and keep storing later requests', async () => {
    const { writer, answer } = await setup();
    const c = conversation();
    const forged = { ...agentMessage(c), conversationToken: 'q'.repeat(43) };
    await writer.store(ctx(), { items: [agentMessage(c)] });
    const [refused, stored] = await together(writer, [[forged], [feedbackFor(answer)]]);
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'NOT_FOUND', fields: { 'items.0.conversationToken': expect.any(String) } } });
    expect(stored!.status).toBe('fulfilled');
    await expect(writer.store(ctx(), { items: [feedbackFor(answer)] })).resolves.toMatchObject([{ status: 'stored' }]);
  });
});
