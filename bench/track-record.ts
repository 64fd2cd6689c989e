/**
 * The track record on a large site: seeds BENCH_TRACK_ANSWERS agent answers (default 100,000) over 90 days in
 * 8 topics, a rating on 30% of them, an escalation on 4%, and a decided draft on each answer of the two
 * human_review topics (a quarter of them approved in 0.5 s), plus a second site four times larger that the
 * queries must skip; then times `readTrackRecord` (what `trust.trackRecord` runs): median and p95 of
 * BENCH_RUNS runs (default 9) after one warm-up. Embedded PGlite, or PostgreSQL when DATABASE_URL is set (in a
 * fresh schema, dropped afterwards). Rewrites the `track-record` section of BENCHMARKS.md. Not part of `npm test`.
 *
 * `npx tsx bench/run.ts track-record` (BENCH_TRACK_KEEP=1 keeps the PostgreSQL schema for EXPLAIN)
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../server/db/client';
import { CLI_ACTOR } from '../server/domain/audit';
import { createSite } from '../server/domain/sites';
import { createStaff } from '../server/domain/staff';
import { setTopic } from '../server/domain/topics';
import { rowsOf } from '../server/domain/review-queries';
import { readTrackRecord } from '../server/domain/track-record-query';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import { writeSection } from './lib/report';
import { fmt, percentile } from './lib/stats';

const ANSWERS = Number(process.env.BENCH_TRACK_ANSWERS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
/** The other tenant is this many times larger, so the measured site is a fifth of each table, as on a shared server. */
const OTHER_FACTOR = 4;
const TOPICS = ['refunds', 'billing dates', 'account deletion', 'shipping', 'passwords', 'plans', 'invoices', 'coupons'];

/** Seeds one site's answers, ratings, escalations and drafts with set-based SQL; returns the row counts. */
async function seedSite(database: Database, siteId: string, reviewerId: string, answers = ANSWERS) {
  const db = database.db;
  const topicArray = sql.raw(`array[${TOPICS.map((t) => `'${t}'`).join(',')}]`);
  await db.execute(sql`
    create table bench_items as
    select i, gen_random_uuid() as conversation_id, gen_random_uuid() as message_id,
      (${topicArray})[1 + i % ${TOPICS.length}] as topic,
      now() - (i::float8 / ${answers}) * interval '90 days' as at
    from generate_series(1, ${answers}) as i`);
  await db.execute(sql`insert into conversations (id, site_id, token_hash, created_at) select conversation_id, ${siteId}, 'x', at from bench_items`);
  await db.execute(sql`
    insert into messages (id, site_id, conversation_id, client_event_id, role, text, confidence, topic, body_hash, sent_at, created_at)
    select message_id, ${siteId}, conversation_id, gen_random_uuid(), 'agent', repeat('The refund arrives in 5 to 7 days. ', 6), 0.8, topic, 'x', at, at from bench_items`);
  await db.execute(sql`
    insert into cases (site_id, source, source_id, conversation_id, message_id, occurred_at, rating, confidence, topic, negative, classified_at)
    select ${siteId}, 'feedback', gen_random_uuid(), conversation_id, message_id, at + interval '1 minute', case when i % 10 = 0 then -1 else 1 end, 0.8, topic, i % 10 = 0, now()
    from bench_items where i % 10 < 3`);
  await db.execute(sql`
    insert into cases (site_id, source, source_id, conversation_id, message_id, occurred_at, confidence, topic, escalated, outcome, negative, classified_at)
    select ${siteId}, 'escalation', gen_random_uuid(), conversation_id, message_id, at + interval '2 minutes', 0.8, topic, true,
      case when i % 3 = 0 then 'agent_was_wrong' when i % 3 = 1 then 'agent_was_right' end, true, now()
    from bench_items where i % 25 = 0`);
  await db.execute(sql`
    insert into drafts (site_id, conversation_id, message_id, topic, confidence, status, final_text, decided_by, decided_at, opened_at, open_ms, created_at)
    select ${siteId}, conversation_id, message_id, topic, 0.8,
      case when i % 20 = 0 then 'rejected' when i % 20 = 1 then 'edited' else 'approved' end, 'ok', ${reviewerId}, at + interval '5 minutes',
      at + interval '1 minute', case when i % 4 = 0 then 500 else 20000 end, at
    from bench_items where topic in ('refunds', 'account deletion')`);
  const [counts] = rowsOf<{ answers: number; ratings: number; escalations: number; drafts: number }>(await db.execute(sql`
    select (select count(*) from bench_items)::int as answers,
      (select count(*) from bench_items where i % 10 < 3)::int as ratings,
      (select count(*) from bench_items where i % 25 = 0)::int as escalations,
      (select count(*) from bench_items where topic in ('refunds', 'account deletion'))::int as drafts`));
  await db.execute(sql`drop table bench_items`);
  return counts!;
}

export async function runTrackRecord(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const schema = `bench_track_${randomBytes(4).toString('hex')}`;
  const database = await openDatabase(url ? { kind: 'postgres', url, schema, poolSize: 4 } : { kind: 'pglite', dataDir: null });
  const kind = url ? 'PostgreSQL' : 'PGlite (embedded)';
  try {
    const reviewer = await createStaff(database.db, { email: `bench-${randomBytes(3).toString('hex')}@example.com`, role: 'reviewer', password: 'bench passphrase long' });
    const site = await createSite(database.db, { name: 'Bench', origins: [] });
    const other = await createSite(database.db, { name: 'Other', origins: [] });
    for (const name of ['refunds', 'account deletion']) await setTopic(database.db, CLI_ACTOR, { siteId: site.siteId, name, autonomy: 'human_review', failureCost: 'high' });
    const started = performance.now();
    const counts = await seedSite(database, site.siteId, reviewer.id);
    await seedSite(database, other.siteId, reviewer.id, ANSWERS * OTHER_FACTOR);
    await database.db.execute(sql`analyze`);
    console.log(`  seeded ${fmt(counts.answers)} + ${fmt(counts.answers * OTHER_FACTOR)} answers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const load = await waitForQuiet('track-record');

    await readTrackRecord(database.db, site.siteId); // warm-up
    const times: number[] = [];
    let topics = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const record = await readTrackRecord(database.db, site.siteId);
      times.push(performance.now() - t0);
      topics = record.topics.length;
    }
    times.sort((a, b) => a - b);
    const line = `readTrackRecord: median ${fmt(percentile(times, 50), 1)} ms, p95 ${fmt(percentile(times, 95), 1)} ms (${RUNS} runs, ${topics} topics)`;
    console.log(`  ${line}`);
    writeSection(
      'track-record',
      `## Track record (\`bench/track-record.ts\`, ${kind})

${stamp()} · ${machineLine()}

One site with ${fmt(counts.answers)} agent answers over 90 days in ${TOPICS.length} topics, ${fmt(counts.ratings)} ratings,
${fmt(counts.escalations)} escalations and ${fmt(counts.drafts)} decided drafts (a quarter approved in 0.5 s), beside a second
site ${OTHER_FACTOR} times larger. \`readTrackRecord\` (the whole of \`trust.trackRecord\`: three grouped range scans, by
\`messages_site_answers_idx\`, \`cases_site_time_stats_idx\` and \`drafts_site_decided_idx\`):

- ${line}

What the plans show (EXPLAIN ANALYZE, BENCH_TRACK_KEEP=1): the answers scan reads each answer's heap row for its topic, and the
drafts scan each draft's message for the length of its text (reading time); together most of the time. An index
\`messages (site_id, sent_at) include (topic) where role = 'agent'\` would make the first index-only; storing the draft's
length on \`drafts\` would remove the join.

${busyNote(load)}`,
    );
  } finally {
    if (url && process.env.BENCH_TRACK_KEEP !== '1') await database.exec(`drop schema if exists "${schema}" cascade`);
    else if (url) console.log(`  kept schema ${schema}`);
    await database.close();
  }
}
