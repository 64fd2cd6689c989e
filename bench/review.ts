/**
 * Review queries at a million feedback items, on PostgreSQL: seeds a schema with SQL (bench/lib/review-seed.ts),
 * VACUUM ANALYZE, then times each query through the very functions the `review` router calls (overview over
 * 7 and 30 days, calibration over 30 days, case-list pages deep in a filtered list via keyset cursors, case
 * detail): median and p95 of BENCH_RUNS runs (default 9) after one warm-up, and EXPLAIN (ANALYZE, BUFFERS)
 * of every statement each function sends, saved to bench/results/review-plans.txt. Aim: < 300 ms each.
 * Rewrites the `review` section of BENCHMARKS.md. Not part of `npm test`.
 *
 * `DATABASE_URL=postgres://… npx tsx bench/run.ts review`
 *   BENCH_REVIEW_ITEMS (1,000,000)  feedback items to seed
 *   BENCH_REVIEW_KEEP=1             keep the schema `bench_review` afterwards and reuse it on the next run (no reseed)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { SQL } from 'drizzle-orm';
import { openDatabase, type Db } from '../server/db/client';
import { caseDetail, listCases } from '../server/domain/review-cases';
import { calibration, overview } from '../server/domain/review-queries';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import { repoRoot, writeSection } from './lib/report';
import { seedReview, type SeedResult } from './lib/review-seed';
import { fmt, percentile } from './lib/stats';

const SCHEMA = 'bench_review';
const ITEMS = Number(process.env.BENCH_REVIEW_ITEMS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const KEEP = process.env.BENCH_REVIEW_KEEP === '1';
const AIM_MS = 300;
const DAY_MS = 86_400_000;
const PAGE = 50;
const DEEP_PAGE = 200;

interface Captured {
  sql: string;
  params: unknown[];
}

/** The same Db, recording the SQL of every `execute` so that it can be explained afterwards. */
function recording(db: Db, into: Captured[]): Db {
  const dialect = (db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }).dialect;
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key === 'transaction')
        return (run: (tx: Db) => Promise<unknown>, config?: unknown) => target.transaction((tx) => run(recording(tx as unknown as Db, into)), config as never);
      if (key !== 'execute') return Reflect.get(target, key, receiver);
      return (query: SQL) => {
        into.push(dialect.sqlToQuery(query));
        return target.execute(query);
      };
    },
  });
}

interface Timing {
  name: string;
  p50: number;
  p95: number;
  plans: string[];
}

export async function runReview(): Promise<boolean> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log('review: skipped (needs DATABASE_URL=postgres://…)');
    return true;
  }
  console.log(`review: ${fmt(ITEMS)} feedback items on PostgreSQL, schema ${SCHEMA}`);
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${SCHEMA},public` });
  let reuse = false;
  if (KEEP) {
    const { rows } = await pool.query(`select to_regclass('${SCHEMA}.bench_meta') is not null as present`);
    reuse = rows[0]!.present;
  }
  if (!reuse) await pool.query(`drop schema if exists ${SCHEMA} cascade`);
  const database = await openDatabase({ kind: 'postgres', url, schema: SCHEMA, poolSize: 2 });
  let seed: SeedResult;
  try {
    if (reuse) {
      const { rows } = await pool.query(`select site_id, seeded_at, items, rows, seconds from bench_meta`);
      seed = { siteId: rows[0].site_id, now: rows[0].seeded_at, rows: rows[0].rows, seconds: rows[0].seconds };
      console.log(`  reusing the seeded schema (${fmt(rows[0].items)} items, seeded ${seed.now.toISOString()})`);
    } else {
      const started = performance.now();
      const client = await pool.connect();
      try {
        seed = await seedReview(client, ITEMS, console.log);
      } finally {
        client.release();
      }
      seed.seconds.total = (performance.now() - started) / 1000;
      await pool.query(`create table bench_meta (site_id uuid, seeded_at timestamptz, items int, rows jsonb, seconds jsonb)`);
      await pool.query(`insert into bench_meta values ($1, $2, $3, $4, $5)`, [seed.siteId, seed.now, ITEMS, JSON.stringify(seed.rows), JSON.stringify(seed.seconds)]);
    }
    const load = await waitForQuiet('review');
    const timings = await measure(database.db, pool, seed);
    report(seed, timings, load);
    return timings.every((t) => t.p95 < AIM_MS);
  } finally {
    await database.close();
    if (!KEEP) await pool.query(`drop schema if exists ${SCHEMA} cascade`);
    await pool.end();
  }
}

async function measure(db: Db, pool: pg.Pool, seed: SeedResult): Promise<Timing[]> {
  const { siteId } = seed;
  const to = seed.now.toISOString();
  const since = (days: number) => new Date(seed.now.getTime() - days * DAY_MS).toISOString();
  const range30 = { siteId, from: since(30), to };

  // Cursors of the pages before the deep ones (walked once, untimed), and a case with a trace and an escalation.
  const cursorBefore = async (filter: Omit<Parameters<typeof listCases>[2], 'cursor'>) => {
    let cursor: string | undefined;
    for (let page = 1; page < DEEP_PAGE; page++) cursor = (await listCases(db, siteId, { ...filter, cursor, limit: PAGE })).nextCursor ?? undefined;
    return cursor;
  };
  const negativeCursor = await cursorBefore({ ...range30, rating: 'negative' });
  const toolCursor = await cursorBefore({ ...range30, mode: 'tool_failure' });
  const allCursor = await cursorBefore({ ...range30 });
  const { rows } = await pool.query(`select id from cases where source = 'feedback' and escalated and auto_mode = 'tool_failure' order by occurred_at desc limit 1`);
  const detailId: string = rows[0].id;

  const cases: [string, (d: Db) => Promise<unknown>][] = [
    ['overview, 7 days (daily series)', (d) => overview(d, siteId, { from: since(7), to })],
    ['overview, 7 days (hourly series)', (d) => overview(d, siteId, { from: since(7), to, bucket: 'hour' })],
    ['overview, 30 days', (d) => overview(d, siteId, { from: since(30), to })],
    ['calibration, 30 days', (d) => calibration(d, siteId, { from: since(30), to })],
    ['calibration, 90 days', (d) => calibration(d, siteId, { from: since(90), to })],
    ['cases, 30 days, first page', (d) => listCases(d, siteId, { ...range30, limit: PAGE })],
    [`cases, 30 days, page ${DEEP_PAGE}`, (d) => listCases(d, siteId, { ...range30, limit: PAGE, cursor: allCursor })],
    [`cases, 30 days, negative, page ${DEEP_PAGE}`, (d) => listCases(d, siteId, { ...range30, rating: 'negative', limit: PAGE, cursor: negativeCursor })],
    [`cases, 30 days, tool_failure, page ${DEEP_PAGE}`, (d) => listCases(d, siteId, { ...range30, mode: 'tool_failure', limit: PAGE, cursor: toolCursor })],
    ['case detail (transcript, escalation, 3 spans)', (d) => caseDetail(d, detailId)],
  ];
  const timings: Timing[] = [];
  for (const [name, run] of cases) {
    const captured: Captured[] = [];
    await run(recording(db, captured)); // warm-up, and the statements to explain
    const samples: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const started = performance.now();
      await run(db);
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const plans: string[] = [];
    // Explained as they ran: the aggregates run with JIT off (review-queries.ts, withoutJit).
    const client = await pool.connect();
    try {
      await client.query('set jit = off');
      for (const q of captured) {
        if (/^\s*set /i.test(q.sql)) continue;
        const explained = await client.query(`explain (analyze, buffers) ${q.sql}`, q.params as unknown[]);
        plans.push(`${q.sql.replace(/\s+/g, ' ').trim()}\n${explained.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
      }
    } finally {
      await client.query('reset jit');
      client.release();
    }
    const t = { name, p50: percentile(samples, 50), p95: percentile(samples, 95), plans };
    console.log(`  ${name}: p50 ${fmt(t.p50, 1)} ms, p95 ${fmt(t.p95, 1)} ms${t.p95 < AIM_MS ? '' : `  (over the ${AIM_MS} ms aim)`}`);
    timings.push(t);
  }
  return timings;
}

function report(seed: SeedResult, timings: Timing[], load: number): void {
  const dir = join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const plansFile = join(dir, 'review-plans.txt');
  writeFileSync(plansFile, timings.map((t) => `==== ${t.name}\n\n${t.plans.join('\n\n')}\n`).join('\n'));
  console.log(`  plans: ${plansFile}`);
  const note = busyNote(load);
  writeSection(
    'review',
    `## Review queries at a million feedback items (PostgreSQL, \`bench/review.ts\`)

${stamp()} · ${machineLine()} · load average ${load.toFixed(1)} at start
${note}

Seeded with SQL alone (\`bench/lib/review-seed.ts\`): ${Object.entries(seed.rows).map(([t, n]) => `${fmt(n)} ${t}`).join(', ')};
over 90 days, about 15% Not helpful, six failure modes, 12 topics, 8 releases, 3 models. Seeding took
${fmt(seed.seconds.total ?? 0)} s including VACUUM ANALYZE (${fmt(seed.seconds['vacuum analyze'] ?? 0)} s). Each query runs through the function the
\`review\` router calls, ${RUNS} times after a warm-up; deep pages are reached by following keyset cursors.
Aim: < ${AIM_MS} ms each. Plans (EXPLAIN ANALYZE, BUFFERS) of every statement: \`bench/results/review-plans.txt\`.

| query | p50 (ms) | p95 (ms) |
|---|---|---|
${timings.map((t) => `| ${t.name} | ${fmt(t.p50, 1)} | ${fmt(t.p95, 1)} |`).join('\n')}`,
  );
}
