/**
 * OTLP trace ingestion through the real HTTP path (POST /v1/traces) on PGlite, and on PostgreSQL when
 * DATABASE_URL is set. The server runs in this process; the load generator is a forked child with its
 * own event loop, sending batches of 100 spans (10 traces × 10 spans of an agent's answer) from 4
 * closed-loop clients over keep-alive HTTP/1.1 on 127.0.0.1. Phases, each on emptied span tables:
 *   protobuf – application/x-protobuf bodies (the default of Python's and Go's exporters)
 *   json     – application/json bodies (OTLP/JSON: hex ids, string nanos)
 *   ceiling  – INSERTs of 100 equivalent span rows straight into `spans` through the driver, in the server's unnest form
 *              (4 connections on PostgreSQL, PGlite's one), for as long: what the database alone takes.
 * A span counts once the server answered 200 for its export, which it does after the transaction
 * (spans, recomputed trace summaries, review cases marked) commits. BENCH_SECONDS (default 15) per
 * phase; BENCH_DB=pglite|postgres runs one database only (figures printed, BENCHMARKS.md untouched).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import os from 'node:os';
import { buildApp } from '../server/app';
import { createSite } from '../server/domain/sites';
import { refusalOf, toSpanRow, type SpanRow } from '../server/traces/normalise';
import { pgArray } from '../server/traces/store';
import { decodeProtobuf } from '../server/traces/otlp-protobuf';
import { cpuMeter, type CpuGroups } from './lib/cpu-share';
import type { QueryFn } from './lib/ingest-ceiling';
import { eachBenchDatabase, type BenchDatabase } from './lib/ingest-server';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import type { OtlpPhase, OtlpPhaseResult } from './lib/otlp-load';
import { benchSpans, protobufBody, SPANS_PER_TRACE } from './lib/otlp-payload';
import { repoRoot, writeSection } from './lib/report';
import { fmt } from './lib/stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const BATCH = 100;
const CLIENTS = 4;

interface Figures {
  label: string;
  notes: string;
  protobuf: OtlpPhaseResult;
  json: OtlpPhaseResult;
  ceiling: { rows: number; rowsPerSec: number; elapsedMs: number };
  stored: { protobuf: number; json: number; traces: number };
  cpu: Record<string, CpuGroups>;
}

class LoadGenerator {
  private child: ChildProcess = fork(join(repoRoot, 'bench/lib/otlp-load.ts'), [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  get pid(): number {
    return this.child.pid!;
  }
  run(phase: OtlpPhase): Promise<OtlpPhaseResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`));
      this.child.once('message', (m) => {
        this.child.off('exit', onExit);
        resolve(m as OtlpPhaseResult);
      });
      this.child.once('exit', onExit);
      this.child.send(phase);
    });
  }
  stop(): void {
    if (this.child.connected) this.child.send({ type: 'exit' });
  }
}

/** The columns of `spans` the server's INSERT writes, with the array type each is sent as (traces/store.ts). */
const SPAN_COLUMNS: [column: string, arrayType: string, pick: (r: SpanRow) => string | number | null][] = [
  ['site_id', 'uuid[]', (r) => r.siteId],
  ['trace_id', 'text[]', (r) => r.traceId],
  ['span_id', 'text[]', (r) => r.spanId],
  ['parent_span_id', 'text[]', (r) => r.parentSpanId ?? null],
  ['name', 'text[]', (r) => r.name],
  ['kind', 'smallint[]', (r) => r.kind ?? 0],
  ['start_time', 'timestamptz[]', (r) => r.startTime.toISOString()],
  ['duration_ms', 'float8[]', (r) => r.durationMs],
  ['status_code', 'smallint[]', (r) => r.statusCode ?? 0],
  ['status_message', 'text[]', (r) => r.statusMessage ?? null],
  ['operation', 'text[]', (r) => r.operation ?? null],
  ['model', 'text[]', (r) => r.model ?? null],
  ['tool_name', 'text[]', (r) => r.toolName ?? null],
  ['error_type', 'text[]', (r) => r.errorType ?? null],
  ['input_tokens', 'int[]', (r) => r.inputTokens ?? null],
  ['output_tokens', 'int[]', (r) => r.outputTokens ?? null],
  ['attributes', 'jsonb[]', (r) => JSON.stringify(r.attributes)],
  ['events', 'jsonb[]', (r) => JSON.stringify(r.events)],
];

/**
 * The database's own ceiling: INSERTs of the rows the server would store for the same spans, in the
 * server's form (one array parameter per column, unnest; traces/store.ts), without its transaction,
 * lock, summary and RETURNING.
 */
async function insertCeiling(query: QueryFn, connections: number, siteId: string, seconds: number) {
  const text =
    `INSERT INTO spans (${SPAN_COLUMNS.map(([c]) => c).join(', ')}) ` +
    `SELECT * FROM unnest(${SPAN_COLUMNS.map(([, type], i) => `$${i + 1}::${type}`).join(', ')}) ON CONFLICT DO NOTHING`;
  // Rows exactly as the server builds them (decoded from the same protobuf bodies, normalised), prepared before timing.
  const batches = Array.from({ length: Math.max(50, Math.ceil(seconds * 150)) }, () => {
    const rows: SpanRow[] = [];
    for (const span of decodeProtobuf(protobufBody(benchSpans(BATCH))).spans) {
      if (refusalOf(span)) throw new Error('bench span refused');
      rows.push(toSpanRow(siteId, span));
    }
    return SPAN_COLUMNS.map(([, , pick]) => pgArray(rows.map(pick)));
  });
  let next = 0;
  let rows = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end && next < batches.length) {
      await query(text, batches[next++]!);
      rows += BATCH;
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsedMs = performance.now() - start;
  return { rows, elapsedMs, rowsPerSec: (rows / elapsedMs) * 1000 };
}

async function count(target: BenchDatabase, table: 'spans' | 'traces'): Promise<number> {
  const result = (await target.query(`select count(*)::int as n from ${table}`, [])) as { rows: { n: number }[] };
  return result.rows[0]!.n;
}

function describe(r: OtlpPhaseResult): string {
  const errors = r.errors ? `, ${r.errors} failed requests (${r.errorSamples.join(' | ')})` : '';
  return `${fmt(r.spansPerSec)} spans/s, ${fmt(r.requests)} requests of ${fmt(r.bodyBytes)} bytes, latency p50 ${fmt(r.latency.p50, 1)} ms p99 ${fmt(r.latency.p99, 1)} ms${errors}`;
}

async function benchDatabase(target: BenchDatabase): Promise<Figures> {
  const app = await buildApp({ database: target.database, logger: false, webhooks: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/traces`;
  const site = await createSite(target.database.db, { name: 'OTLP bench', origins: [] });
  const load = new LoadGenerator();
  const cpu: Record<string, CpuGroups> = {};
  const empty = () => target.database.exec('TRUNCATE spans, traces');
  const phase = (encoding: 'json' | 'protobuf', seconds: number): OtlpPhase => ({
    type: 'run', name: encoding, url, ingestKey: site.ingestKey, encoding, batchSize: BATCH, concurrency: CLIENTS, seconds, bodies: Math.ceil(seconds * 30),
  });
  const meter = () => cpuMeter({ server: process.pid, load: load.pid, postgres: target.kind === 'postgres' });
  try {
    console.log(`  ${target.label}: ${target.notes}; warming up…`);
    await load.run(phase('protobuf', 2));
    await load.run(phase('json', 2));

    await empty();
    let m = meter();
    const protobuf = await load.run(phase('protobuf', SECONDS));
    cpu.protobuf = m();
    const storedProtobuf = await count(target, 'spans');
    const tracesStored = await count(target, 'traces');
    console.log(`  protobuf ${BATCH}×${CLIENTS}, ${SECONDS} s: ${describe(protobuf)}; spans stored ${fmt(storedProtobuf)}, traces ${fmt(tracesStored)}`);

    await empty();
    m = meter();
    const json = await load.run(phase('json', SECONDS));
    cpu.json = m();
    const storedJson = await count(target, 'spans');
    console.log(`  JSON ${BATCH}×${CLIENTS}, ${SECONDS} s: ${describe(json)}; spans stored ${fmt(storedJson)}`);

    await empty();
    m = meter();
    const ceiling = await insertCeiling(target.query, target.kind === 'postgres' ? CLIENTS : 1, site.siteId, SECONDS);
    cpu.ceiling = m();
    console.log(`  INSERT ceiling ${BATCH}-row statements × ${target.kind === 'postgres' ? CLIENTS : 1}, ${SECONDS} s: ${fmt(ceiling.rowsPerSec)} rows/s`);
    return { label: target.label, notes: target.notes, protobuf, json, ceiling, stored: { protobuf: storedProtobuf, json: storedJson, traces: tracesStored }, cpu };
  } finally {
    load.stop();
    await app.close();
  }
}

function cpuPerSpan(groups: CpuGroups | undefined, spans: number): string {
  if (!groups || !spans) return '–';
  const per = (k: string) => (k in groups ? fmt((groups[k]! * 1e6) / spans) : '–');
  const total = Object.values(groups).reduce((a, b) => a + b, 0);
  return `${per('server')} / ${per('load')} / ${per('postgres')} / ${fmt((total * 1e6) / spans)}`;
}

function render(figures: Figures[], loadAvg: number): string {
  const cols = figures.map((f) => f.label);
  const row = (name: string, cells: string[]) => `| ${name} | ${cells.join(' | ')} |`;
  const ratio = (a: number, b: number) => `${Math.round((a / b) * 100)}%`;
  return [
    '## OTLP trace ingestion (`bench/otlp.ts`)',
    '',
    `Spans through the real HTTP path as stock exporters send them (\`POST /v1/traces\`: bearer key check, decoding with protobufjs or JSON + zod,`,
    `normalising, one transaction that inserts the spans, recomputes the summary of every touched trace from all its spans, upserts \`traces\` and marks`,
    `review cases), server in the bench process, load from a forked child: batches of ${BATCH} spans (${BATCH / SPANS_PER_TRACE} traces × ${SPANS_PER_TRACE} spans: agent, 2 LLM calls,`,
    `retrieval, 6 tool calls, one failing with an exception event), ${CLIENTS} closed-loop clients, keep-alive HTTP/1.1 on 127.0.0.1, ${SECONDS} s a phase.`,
    `The ceiling sends the rows the server would store for the same spans straight into \`spans\` through the driver (INSERTs of ${BATCH} rows with one array parameter per column, as the server sends them).`,
    `Machine: ${machineLine()}; load average ${loadAvg.toFixed(2)} at start. Date: ${stamp()}.`,
    ...figures.map((f) => `- ${f.label}: ${f.notes}.`),
    busyNote(loadAvg),
    '',
    `| | ${cols.join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    row('(p) protobuf: spans/s', figures.map((f) => fmt(f.protobuf.spansPerSec))),
    row('(j) JSON: spans/s', figures.map((f) => fmt(f.json.spansPerSec))),
    row('(d) INSERT ceiling into `spans`: rows/s', figures.map((f) => fmt(f.ceiling.rowsPerSec))),
    row('(p)/(d) · (j)/(d)', figures.map((f) => `${ratio(f.protobuf.spansPerSec, f.ceiling.rowsPerSec)} · ${ratio(f.json.spansPerSec, f.ceiling.rowsPerSec)}`)),
    row('request latency p50 / p99, ms (p · j)', figures.map((f) => `${fmt(f.protobuf.latency.p50, 1)} / ${fmt(f.protobuf.latency.p99, 1)} · ${fmt(f.json.latency.p50, 1)} / ${fmt(f.json.latency.p99, 1)}`)),
    row('body bytes per 100 spans (p · j)', figures.map((f) => `${fmt(f.protobuf.bodyBytes)} · ${fmt(f.json.bodyBytes)}`)),
    row('spans stored = spans acked (p · j)', figures.map((f) => `${fmt(f.stored.protobuf)} = ${fmt(f.protobuf.spans)} · ${fmt(f.stored.json)} = ${fmt(f.json.spans)}`)),
    row('failed requests (p / j)', figures.map((f) => `${f.protobuf.errors} / ${f.json.errors}`)),
    row('CPU µs per span, server / load / PostgreSQL / total (p)', figures.map((f) => cpuPerSpan(f.cpu.protobuf, f.protobuf.spans))),
    row('CPU µs per span, server / load / PostgreSQL / total (j)', figures.map((f) => cpuPerSpan(f.cpu.json, f.json.spans))),
    row('CPU µs per row, ceiling: driver / – / PostgreSQL / total', figures.map((f) => cpuPerSpan(f.cpu.ceiling, f.ceiling.rows))),
    '',
    `CPU from /proc (PGlite runs inside the server process, so its work is in the server column). ${os.cpus().length} cores ÷ total CPU per span is what this machine could reach with its cores to itself.`,
    '',
    'Where the difference to the ceiling goes: per request, the server adds a transaction with a per-trace lock, the span INSERT also',
    "returns the trace's earlier spans (an index scan on the primary key), the summaries of the touched traces are upserted (one jsonb",
    'row per trace) and review cases on them updated; the server process decodes (protobufjs or JSON + zod), bounds attributes and',
    'summarises. Both statements that write are one array-parameter statement each (`unnest`), whatever the batch size; a VALUES list',
    'with a parameter per value took about twice the time to insert the spans on PGlite.',
  ].join('\n');
}

export async function runOtlp(): Promise<void> {
  const loadAvg = await waitForQuiet('otlp');
  console.log(`otlp — ${machineLine()}, load average ${loadAvg.toFixed(2)}`);
  const only = process.env.BENCH_DB;
  const figures = await eachBenchDatabase(CLIENTS, benchDatabase);
  if (!only && figures.length) writeSection('otlp', render(figures, loadAvg));
}
