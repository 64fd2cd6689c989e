import { randomUUID } from 'node:crypto';
import { count, isNull, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/client';
import { cases } from '../db/schema';
import { casesOf, projectorSite } from '../test/projector-fixtures';
import { freshPostgresOptions } from '../test/test-db';
import { readFeedbackCursors } from './case-feed';
import { startReviewProjector, type ProjectorRun } from './projector';

// Two instances' projectors, each with its own pool, on one PostgreSQL schema; plus a raw connection that
// plays a slow writer or another instance holding locks.
describe('review projector on one PostgreSQL shared by instances', () => {
  const options = freshPostgresOptions();
  let dbA: Database;
  let dbB: Database;
  let raw: pg.Client;
  let site: Awaited<ReturnType<typeof projectorSite>>;

  beforeAll(async () => {
    dbA = await openDatabase(options);
    dbB = await openDatabase(options);
    raw = new pg.Client({ connectionString: options.url, options: `-c search_path=${options.schema},public` });
    await raw.connect();
    site = await projectorSite(dbA.db);
  });
  afterAll(async () => {
    await raw.end();
    await dbA.exec(`DROP SCHEMA IF EXISTS "${options.schema}" CASCADE`);
    await dbA.close();
    await dbB.close();
  });

  const unclassified = async () => (await dbA.db.select({ n: count() }).from(cases).where(isNull(cases.classifiedAt)))[0]!.n;

  it('should split the work between two projectors running at once, each case made and classified once', async () => {
    for (let i = 0; i < 40; i++) {
      const { answer } = await site.exchange();
      await site.rate(answer, -1, ['wrong']);
    }
    const a = startReviewProjector(dbA.db, { intervalMs: 0, batchSize: 5, maxBatches: 2 });
    const b = startReviewProjector(dbB.db, { intervalMs: 0, batchSize: 5, maxBatches: 2 });
    const runs: ProjectorRun[] = [];
    for (;;) {
      const round = await Promise.all([a.runOnce(), b.runOnce()]);
      runs.push(...round);
      if (round.every((r) => r.fed && r.feedbackCases === 0 && r.classified === 0)) break;
    }
    expect(await unclassified()).toBe(0);
    await Promise.all([a.close(), b.close()]);
    const sum = (k: 'feedbackCases' | 'classified') => runs.reduce((s, r) => s + r[k], 0);
    expect(sum('feedbackCases')).toBe(40);
    // SKIP LOCKED: no case was classified by both.
    expect(sum('classified')).toBe(40);
    expect((await dbA.db.select({ n: count() }).from(cases))[0]!.n).toBe(40);
  });

  it('should skip feeding while another instance holds the lock, and classify rows others have not locked', async () => {
    const first = await site.exchange();
    await site.rate(first.answer, -1);
    const p = startReviewProjector(dbB.db, { intervalMs: 0 });
    await p.runOnce();
    const [held] = await casesOf(dbA.db, first.conv.conversationId);
    // Another instance: in the middle of feeding (advisory lock) and of classifying `held` (row lock).
    await dbA.db.execute(sql`update cases set classified_at = null where id = ${held!.id}`);
    await raw.query('begin');
    await raw.query(`select pg_advisory_xact_lock(hashtext('backstop:review-projector:' || current_schema()))`);
    await raw.query('select id from cases where id = $1 for update', [held!.id]);
    const other = await site.exchange();
    await site.rate(other.answer, -1);
    const queued = await site.exchange();
    await site.rate(queued.answer, -1);
    const run = await p.runOnce();
    expect(run).toMatchObject({ fed: false, feedbackCases: 0, classified: 0 });
    await raw.query('rollback');
    expect(await p.runOnce()).toMatchObject({ fed: true, feedbackCases: 2, classified: 3 });
    await p.close();
  });

  /** Stores a rating in a transaction left open on the raw connection; returns its seq. */
  async function uncommittedRating(answerClientEventId: string, conversationId: string): Promise<number> {
    await raw.query('begin');
    const { rows } = await raw.query<{ seq: string }>(
      `insert into feedback (site_id, conversation_id, message_id, client_event_id, rating, reasons, body_hash, sent_at)
       select site_id, conversation_id, id, $2, -1, '[]'::jsonb, 'x', now() from messages where client_event_id = $1 and conversation_id = $3
       returning seq`,
      [answerClientEventId, randomUUID(), conversationId],
    );
    return Number(rows[0]!.seq);
  }

  it('should project a rating whose lower seq commits after a higher one, once the commit lag has passed', async () => {
    const slow = await site.exchange();
    const fast = await site.exchange();
    const p = startReviewProjector(dbA.db, { intervalMs: 0, commitLagMs: 500 });
    const slowSeq = await uncommittedRating(slow.answer.clientEventId, slow.conv.conversationId);
    await site.rate(fast.answer, -1);
    expect(await p.runOnce()).toMatchObject({ feedbackCases: 1 });
    expect(await casesOf(dbA.db, fast.conv.conversationId)).toHaveLength(1);
    await raw.query('commit');
    // The fast path has stepped over it; the late row waits for the lag, then is found.
    expect(await p.runOnce()).toMatchObject({ feedbackCases: 0 });
    await new Promise((r) => setTimeout(r, 600));
    expect(await p.runOnce()).toMatchObject({ feedbackCases: 1 });
    expect(await casesOf(dbA.db, slow.conv.conversationId)).toHaveLength(1);
    const cursors = await dbA.db.transaction((tx) => readFeedbackCursors(tx as never));
    expect(cursors.safe).toBeGreaterThanOrEqual(slowSeq);
    await p.close();
  });

  it('should show why the lag is needed: a row still uncommitted when its note settles is skipped', async () => {
    const slow = await site.exchange();
    const fast = await site.exchange();
    const eager = startReviewProjector(dbA.db, { intervalMs: 0, commitLagMs: 0 });
    await uncommittedRating(slow.answer.clientEventId, slow.conv.conversationId);
    await site.rate(fast.answer, -1);
    await eager.runOnce();
    await eager.runOnce();
    await raw.query('commit');
    expect(await eager.runOnce()).toMatchObject({ feedbackCases: 0 });
    expect(await casesOf(dbA.db, slow.conv.conversationId)).toHaveLength(0);
    await eager.close();
  });
});
