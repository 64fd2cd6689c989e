/**
 * Feedback ingestion through the real HTTP path (POST /trpc/signal.push) on PGlite, and on PostgreSQL
 * when DATABASE_URL is set. The server runs in this process; the load generator is a forked child with
 * its own event loop. Phases, each on an emptied feedback table:
 *   batched – batches of 50, 8 clients in a closed loop (BENCH_SECONDS, default 60; PGlite at most 20)
 *   single  – one event per request, 64 clients, 20 s: what real widgets send (one to three signals a request)
 *   single-trpc – the same through tRPC's fastify adapter instead of the direct route (signal-route.ts), for comparison
 *   bare    – the same requests to a bare fastify JSON route with no validation, tRPC or database: the floor
 *   paced   – 500 events/s as 50 requests/s of 10 on an open-loop schedule, 20 s: latency at a steady load
 *   ceiling – multi-row INSERTs of 50 equivalent feedback rows straight through the driver (8 connections
 *             on PostgreSQL, PGlite's one), for as long as `batched`: what the database alone can take.
 * BENCH_POOL=<n> seeds n conversations (default 1,000); BENCH_DB=pglite|postgres runs one database only (figures printed, BENCHMARKS.md untouched);
 * BENCH_PROFILE=<dir> writes CPU profiles of the server during `batched` and `single`.
 * Every request uses the widget's wire form (`POST /trpc/signal.push?batch=1` with `{"0": input}`).
 * An event counts once the server answered 200 for it, which it does after the batch's transaction commits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { profiled } from './lib/cpu-profile';
import { cpuMeter, type CpuGroups } from './lib/cpu-share';
import { insertCeiling, type CeilingResult } from './lib/ingest-ceiling';
import type { LoadPhase, PhaseResult, PoolConversation } from './lib/ingest-protocol';
import {
  eachBenchDatabase,
  feedbackCount,
  ratedMessages,
  seedPool,
  startServer,
  type BenchDatabase,
} from './lib/ingest-server';
import { startBareServer } from './lib/bare-server';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import { repoRoot, writeSection } from './lib/report';
import { fmt } from './lib/stats';

const BENCH_SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
/** PGlite is one connection in this process; longer runs only grow the table. */
const PGLITE_MAX_SECONDS = 20;
const CONCURRENCY = 8;
/** Many widgets each sending one signal at a time. */
const SINGLE_CONCURRENCY = 64;
const BATCH = 50;
/** Conversations seeded; with the default every rated message is soon in the server's in-process cache. */
const POOL_CONVERSATIONS = Number(process.env.BENCH_POOL ?? 1000);
const AGENT_MESSAGES_EACH = 2;
const SAME_CONVERSATION = process.env.BENCH_SAME_CONVERSATION === '1';

interface DbFigures {
  label: string;
  notes: string;
  phases: Record<'batched' | 'single' | 'singleTrpc' | 'bare' | 'paced', PhaseResult>;
  ceiling: CeilingResult;
  cpu: Record<string, { groups: CpuGroups; seconds: number }>;
  rowsAfterBatched: number;
  rowsAfterSingle: number;
}

/** The forked load generator, spoken to by messages. */
class LoadGenerator {
  private child: ChildProcess;
  constructor() {
    this.child = fork(join(repoRoot, 'bench/lib/ingest-load.ts'), [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  }
  get pid(): number {
    return this.child.pid!;
  }
  private request<T>(msg: object, answerType: string): Promise<T> {
    return new Promise((resolvePromise, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== answerType) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolvePromise(m as T);
      };
      const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(msg);
    });
  }
  setup(baseUrl: string, publicKey: string, pool: PoolConversation[]) {
    return this.request({ type: 'setup', baseUrl, publicKey, pool, sameConversation: SAME_CONVERSATION }, 'ready');
  }
  run(phase: LoadPhase): Promise<PhaseResult> {
    return this.request(phase, 'result');
  }
  stop(): void {
    if (this.child.connected) this.child.send({ type: 'exit' });
  }
}

function describePhase(r: PhaseResult): string {
  const errors = r.errors ? `, ${r.errors} failed requests (${r.errorSamples.join(' | ')})` : '';
  return `${fmt(r.eventsPerSec)} events/s, ${fmt(r.requests)} requests, latency p50 ${fmt(r.latency.p50, 1)} ms p99 ${fmt(r.latency.p99, 1)} ms max ${fmt(r.latency.max, 1)} ms${errors}`;
}

async function benchDatabase(target: BenchDatabase): Promise<DbFigures> {
  const seconds = target.kind === 'pglite' ? Math.min(BENCH_SECONDS, PGLITE_MAX_SECONDS) : BENCH_SECONDS;
  const short = Math.min(BENCH_SECONDS, 20);
  const server = await startServer(target);
  const viaTrpc = await startServer(target, { signalRoute: 'trpc', site: server });
  const bare = await startBareServer();
  const load = new LoadGenerator();
  const cpu: DbFigures['cpu'] = {};
  const measured = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    await target.database.exec('TRUNCATE feedback');
    const meter = cpuMeter({ server: process.pid, load: load.pid, postgres: target.kind === 'postgres' });
    const start = performance.now();
    const result = await fn();
    cpu[name] = { groups: meter(), seconds: (performance.now() - start) / 1000 };
    return result;
  };
  try {
    const pool = await seedPool(server, POOL_CONVERSATIONS, AGENT_MESSAGES_EACH);
    await load.setup(server.baseUrl, server.publicKey, pool);
    console.log(`  ${target.label}: ${target.notes}`);
    console.log(`  seeded ${POOL_CONVERSATIONS} conversations × ${AGENT_MESSAGES_EACH} agent messages; warming up…`);
    const warmup = { type: 'run', name: 'warmup', mode: 'closed', seconds: Math.min(3, seconds), wire: 'batch' } as const;
    await load.run({ ...warmup, batchSize: BATCH, concurrency: CONCURRENCY });
    await load.run({ ...warmup, batchSize: 1, concurrency: SINGLE_CONCURRENCY, baseUrl: viaTrpc.baseUrl });
    await load.run({ ...warmup, batchSize: 1, concurrency: SINGLE_CONCURRENCY, baseUrl: bare.baseUrl });

    const batched = await measured('batched', () =>
      profiled(`ingest-${target.kind}-batched`, () =>
        load.run({ type: 'run', name: 'batched', mode: 'closed', seconds, batchSize: BATCH, concurrency: CONCURRENCY, wire: 'batch' }),
      ),
    );
    const rowsAfterBatched = await feedbackCount(target);
    console.log(`  batched ${BATCH}×${CONCURRENCY}, ${seconds} s: ${describePhase(batched)}; rows stored ${fmt(rowsAfterBatched)} (acked ${fmt(batched.events)})`);
    const singlePhase = { type: 'run', mode: 'closed', seconds: short, batchSize: 1, concurrency: SINGLE_CONCURRENCY, wire: 'batch' } as const;
    const single = await measured('single', () =>
      profiled(`ingest-${target.kind}-single`, () => load.run({ ...singlePhase, name: 'single' })),
    );
    const rowsAfterSingle = await feedbackCount(target);
    console.log(`  single 1×${SINGLE_CONCURRENCY}, ${short} s: ${describePhase(single)}; rows stored ${fmt(rowsAfterSingle)} (acked ${fmt(single.events)})`);
    const singleTrpc = await measured('singleTrpc', () => load.run({ ...singlePhase, name: 'single-trpc', baseUrl: viaTrpc.baseUrl }));
    console.log(`  single 1×${SINGLE_CONCURRENCY} through tRPC's adapter, ${short} s: ${describePhase(singleTrpc)}`);
    const bareRun = await measured('bare', () => load.run({ ...singlePhase, name: 'bare', baseUrl: bare.baseUrl }));
    console.log(`  bare fastify JSON route 1×${SINGLE_CONCURRENCY}, ${short} s: ${describePhase(bareRun)}`);
    const paced = await measured('paced', () =>
      load.run({ type: 'run', name: 'paced', mode: 'open', seconds: short, batchSize: 10, requestsPerSecond: 50, wire: 'batch' }),
    );
    console.log(`  paced 500 events/s (10 × 50 req/s, open loop), ${short} s: ${describePhase(paced)}`);
    const messages = await ratedMessages(target);
    const ceiling = await measured('ceiling', () =>
      insertCeiling({ query: target.query, connections: target.ceilingConnections, seconds, batchSize: BATCH, siteId: server.siteId, messages }),
    );
    console.log(`  INSERT ceiling ${BATCH}×${target.ceilingConnections}, ${seconds} s: ${fmt(ceiling.rowsPerSec)} rows/s`);
    return { label: target.label, notes: target.notes, phases: { batched, single, singleTrpc, bare: bareRun, paced }, ceiling, cpu, rowsAfterBatched, rowsAfterSingle };
  } finally {
    load.stop();
    await server.app.close();
    await viaTrpc.app.close();
    await bare.app.close();
  }
}

/** CPU time per event of each process group in a phase, in microseconds. */
type CpuPhase = 'batched' | 'single' | 'singleTrpc' | 'bare' | 'ceiling';

function cpuPerEvent(f: DbFigures, phase: CpuPhase): Record<string, number> | null {
  const c = f.cpu[phase];
  const events = phase === 'ceiling' ? f.ceiling.rows : f.phases[phase].events;
  if (!c || !events) return null;
  return Object.fromEntries(Object.entries(c.groups).map(([k, v]) => [k, (v * 1e6) / events]));
}

function cpuRows(figures: DbFigures[]): string[] {
  const phases: [CpuPhase, string][] = [
    ['batched', '(a) batched'],
    ['single', '(b) single'],
    ['singleTrpc', "(b′) single, tRPC's adapter"],
    ['bare', '(e) bare fastify route'],
    ['ceiling', '(d) INSERT ceiling'],
  ];
  const rows: string[] = [];
  for (const f of figures)
    for (const [phase, name] of phases) {
      const per = cpuPerEvent(f, phase);
      const c = f.cpu[phase];
      if (!per || !c) continue;
      const cell = (k: string) => (k in per ? fmt(per[k]!) : '–');
      const busy = Object.values(c.groups).reduce((a, b) => a + b, 0) / c.seconds;
      const total = Object.values(per).reduce((a, b) => a + b, 0);
      rows.push(`| ${f.label} | ${name} | ${cell('server')} | ${cell('load')} | ${cell('postgres')} | ${fmt(total)} | ${busy.toFixed(2)} |`);
    }
  return rows;
}

function render(figures: DbFigures[], loadAvg: number): string {
  const cols = figures.map((f) => f.label);
  const row = (name: string, cells: string[], aim: string) => `| ${name} | ${cells.join(' | ')} | ${aim} |`;
  const lines = [
    `## Feedback ingestion (\`bench/ingest.ts\`)`,
    '',
    `Feedback events through the real HTTP path as the widget sends them (\`POST /trpc/signal.push?batch=1\`, fastify, the signal.push procedure with its`,
    `validation, concurrent requests grouped into shared transactions), server in the bench process, load from a forked child over keep-alive HTTP/1.1 on 127.0.0.1;`,
    `(b′) runs the same requests through tRPC's fastify adapter, (e) through a bare fastify JSON route with no tRPC, validation or database. Server, load generator and database share the machine.`,
    `Each batch rates ${SAME_CONVERSATION ? 'agent messages of one conversation' : 'random agent messages of random conversations'} from a seeded pool of ${fmt(POOL_CONVERSATIONS)} conversations × ${AGENT_MESSAGES_EACH} agent messages`,
    `(each message is rated many times, so the server's in-process conversation/message cache is warm; \`BENCH_POOL=100000\` seeds more than it holds).`,
    `Machine: ${machineLine()}; load average ${loadAvg.toFixed(2)} at start. Date: ${stamp()}.`,
    ...figures.map((f) => `- ${f.label}: ${f.notes}.`),
    busyNote(loadAvg),
    '',
    `| | ${cols.join(' | ')} | aim (PostgreSQL, 2 cores) |`,
    `|---|${cols.map(() => '---:').join('|')}|---|`,
    row('(a) batched: events/s (50 per request, 8 clients)', figures.map((f) => fmt(f.phases.batched.eventsPerSec)), '≥ 20,000'),
    row('(d) INSERT ceiling: rows/s (multi-row 50, driver only)', figures.map((f) => fmt(f.ceiling.rowsPerSec)), '—'),
    row('(a)/(d)', figures.map((f) => `${Math.round((f.phases.batched.eventsPerSec / f.ceiling.rowsPerSec) * 100)}%`), '≥ 50%'),
    row('(a) request latency p50 / p99, ms', figures.map((f) => `${fmt(f.phases.batched.latency.p50, 1)} / ${fmt(f.phases.batched.latency.p99, 1)}`), '—'),
    row(`(b) single: events/s (1 per request, ${SINGLE_CONCURRENCY} clients)`, figures.map((f) => fmt(f.phases.single.eventsPerSec)), '≥ 5,000'),
    row('(b) request latency p50 / p99, ms', figures.map((f) => `${fmt(f.phases.single.latency.p50, 1)} / ${fmt(f.phases.single.latency.p99, 1)}`), '—'),
    row("(b′) single through tRPC's fastify adapter: events/s", figures.map((f) => fmt(f.phases.singleTrpc.eventsPerSec)), '—'),
    row(`(e) bare fastify JSON route, no database: requests/s (${SINGLE_CONCURRENCY} clients)`, figures.map((f) => fmt(f.phases.bare.eventsPerSec)), '—'),
    row('(b)/(e)', figures.map((f) => `${Math.round((f.phases.single.eventsPerSec / f.phases.bare.eventsPerSec) * 100)}%`), '—'),
    row('rows stored after (b) = events acked', figures.map((f) => `${fmt(f.rowsAfterSingle)} = ${fmt(f.phases.single.events)}`), 'equal'),
    row('(c) at 500 events/s (10 × 50 req/s, open loop): p50 / p99 / max, ms', figures.map((f) => `${fmt(f.phases.paced.latency.p50, 1)} / ${fmt(f.phases.paced.latency.p99, 1)} / ${fmt(f.phases.paced.latency.max, 1)}`), 'p99 < 50'),
    row("failed requests (a / b / b′ / c)", figures.map((f) => `${f.phases.batched.errors} / ${f.phases.single.errors} / ${f.phases.singleTrpc.errors} / ${f.phases.paced.errors}`), '0'),
    row('rows stored after (a) = events acked', figures.map((f) => `${fmt(f.rowsAfterBatched)} = ${fmt(f.phases.batched.events)}`), 'equal'),
    row('phase seconds (a, d / b, c)', figures.map((f) => `${fmt(f.cpu.batched?.seconds ?? NaN)} / ${fmt(f.cpu.single?.seconds ?? NaN)}`), '—'),
    '',
    '',
    'CPU time per event, in µs (from /proc; the bench process runs the server and, in (d), the driver loops; PostgreSQL',
    'backends are counted only for PostgreSQL, PGlite runs inside the server). Less sensitive than rates to other jobs on',
    `the machine: ${os.cpus().length} cores ÷ total CPU per event is the rate this machine could reach with its cores to itself.`,
    '',
    '| database | phase | server (bench process) | load generator | PostgreSQL | total | cores busy |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...cpuRows(figures),
  ];
  return lines.join('\n');
}

export async function runIngest(): Promise<void> {
  const loadAvg = await waitForQuiet('ingest');
  console.log(`ingest — ${machineLine()}, load average ${loadAvg.toFixed(2)}`);
  const only = process.env.BENCH_DB; // 'pglite' or 'postgres' runs just that one
  const figures = await eachBenchDatabase(CONCURRENCY, benchDatabase);
  console.log(['  CPU µs per event: | database | phase | server | load | PostgreSQL | total | cores busy |', ...cpuRows(figures).map((r) => `  ${r}`)].join('\n'));
  if (only) console.log(`  BENCH_DB=${only}: BENCHMARKS.md left as it is (it shows both databases from one run).`);
  else writeSection('ingest', render(figures, loadAvg));
  if (!only) console.log('  BENCHMARKS.md updated (ingest).');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runIngest().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
