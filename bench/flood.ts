/**
 * A flood on one site does not slow another: site B's widgets send at a steady rate while site A is
 * driven far over its limit from one address. Both sites' senders are forked children (bench/lib/flood-load.ts),
 * so the server in this process has its event loop to itself. Prints B's latency with and without the
 * flood, A's share of 429s and the server's CPU per request, and rewrites the `flood` section of
 * BENCHMARKS.md. Loopback only, about 20 s.
 *
 * `npx tsx bench/run.ts flood`; PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app';
import { createSite } from '../server/domain/sites';
import { DEFAULT_RATE_LIMITS } from '../server/rate-limit';
import { cpuMeter, type CpuGroups } from './lib/cpu-share';
import type { FloodResult, FloodRun } from './lib/flood-load';
import { openPgliteTarget, openPostgresTarget, type BenchDatabase } from './lib/ingest-server';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import { repoRoot, writeSection } from './lib/report';
import { fmt, summarize, type Summary } from './lib/stats';

const ORIGIN = 'https://bench.example.com';
const PHASE_MS = 8000;
/**
 * The production rates in a 5 s window instead of a minute (the same requests per second), so that A
 * passes its limit within the run rather than after its first 600 requests.
 */
const WINDOW_MS = 5000;
const scaled = (perMinute: number) => Math.round((perMinute * WINDOW_MS) / 60_000);
const LIMITS = {
  perIp: scaled(DEFAULT_RATE_LIMITS.perIp),
  perSiteClient: scaled(DEFAULT_RATE_LIMITS.perSiteClient),
  perConversation: scaled(DEFAULT_RATE_LIMITS.perConversation),
  windowMs: WINDOW_MS,
};
/** Site B: ten people's widgets (ten addresses), together this many requests a second, each in a new conversation. */
const B_CLIENTS = 10;
const B_RATE = 25;
/**
 * Site A: one address at a fixed rate, 10× what its address may send (perIp per window) and 20× what it
 * may send to one site. Bounded, so that on two cores the run measures isolation rather than how fast a
 * sender without limit can saturate them.
 */
const A_RATE = 200;
/** A starts this long before B's measured run and stops this long after it, so B is measured in a flood that is already refused. */
const A_LEAD_MS = 500;
const A_ADDRESS = '203.0.113.66';

/** One forked sender. */
class Sender {
  private child: ChildProcess;
  constructor() {
    this.child = fork(join(repoRoot, 'bench/lib/flood-load.ts'), [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  }
  get pid(): number {
    return this.child.pid!;
  }
  run(run: Omit<FloodRun, 'type'>): Promise<FloodResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`flood sender exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: FloodResult) => {
        this.child.off('exit', onExit);
        resolve(m);
      });
      this.child.send({ type: 'run', ...run } satisfies FloodRun);
    });
  }
  stop(): void {
    if (this.child.connected) this.child.send({ type: 'exit' });
  }
}

const count = (r: FloodResult, status: number) => r.statuses[status] ?? 0;
const requests = (r: FloodResult) => Object.values(r.statuses).reduce((a, b) => a + b, 0);
const notOk = (r: FloodResult) => requests(r) - count(r, 200);

const row = (label: string, s: Summary, failures: number, cpu: CpuGroups, perRequest: number) =>
  `| ${label} | ${fmt(s.n)} | ${fmt(s.p50, 1)} | ${fmt(s.p90, 1)} | ${fmt(s.p99, 1)} | ${fmt(s.max, 1)} | ${failures} | ${fmt(cpu.server! * 1000)} | ${fmt(perRequest)} |`;

export async function runFlood(): Promise<void> {
  const load = await waitForQuiet('flood');
  const target: BenchDatabase = process.env.DATABASE_URL ? await openPostgresTarget(process.env.DATABASE_URL, 4) : await openPgliteTarget();
  let app: FastifyInstance | undefined;
  const senderA = new Sender();
  const senderB = new Sender();
  try {
    // Client addresses come from X-Forwarded-For, so one loopback connection can stand for many people.
    app = await buildApp({ database: target.database, logger: false, trustProxy: true, rateLimit: LIMITS });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const a = await createSite(target.database.db, { name: 'Flooded', origins: [ORIGIN] });
    const b = await createSite(target.database.db, { name: 'Bystander', origins: [ORIGIN] });
    const baseUrl = `http://127.0.0.1:${port}`;
    const runB = (seconds: number, addresses: string[]) =>
      senderB.run({ baseUrl, publicKey: b.publicKey, origin: ORIGIN, addresses, requestsPerSecond: B_RATE, seconds, maxSockets: B_CLIENTS });
    const bAddresses = Array.from({ length: B_CLIENTS }, (_, i) => `198.51.100.${i + 10}`);

    // Warm-up from other addresses: connections, JIT, the site cache.
    await runB(2, Array.from({ length: B_CLIENTS }, (_, i) => `192.0.2.${i + 10}`));

    const postgres = target.kind === 'postgres';
    let meter = cpuMeter({ server: process.pid, postgres });
    const quiet = await runB(PHASE_MS / 1000, bAddresses);
    const quietCpu = meter();

    meter = cpuMeter({ server: process.pid, postgres });
    const flooding = senderA.run({
      baseUrl,
      publicKey: a.publicKey,
      origin: ORIGIN,
      addresses: [A_ADDRESS],
      requestsPerSecond: A_RATE,
      seconds: (PHASE_MS + 2 * A_LEAD_MS) / 1000,
      maxSockets: 64,
    });
    await new Promise((r) => setTimeout(r, A_LEAD_MS));
    const flooded = await runB(PHASE_MS / 1000, bAddresses);
    const aResult = await flooding;
    const floodCpu = meter();

    const qs = summarize(quiet.latencies);
    const fs = summarize(flooded.latencies);
    const aRequests = requests(aResult);
    const aRate = (aRequests / aResult.elapsedMs) * 1000;
    const limited = count(aResult, 429);
    const quietPerRequest = (quietCpu.server! * 1e6) / requests(quiet);
    const floodPerRequest = (floodCpu.server! * 1e6) / (aRequests + requests(flooded));
    // What A's requests cost the server beyond B's share, spread over A's requests (most of them 429s).
    const perARequest = ((floodCpu.server! * 1e6) - quietPerRequest * requests(flooded)) / aRequests;
    const samples = [...quiet.samples, ...flooded.samples, ...aResult.samples];
    const lines = [
      `## Flood isolation`,
      ``,
      `${stamp()} · ${machineLine()} · ${target.notes}.`,
      ``,
      `Site B: ${B_CLIENTS} widgets (${B_CLIENTS} client addresses), ${B_RATE} \`signal.push\` requests/s in all, open loop, ${PHASE_MS / 1000} s per run.`,
      `Site A: one address at ${A_RATE} requests/s, open loop (at most 64 connections), a new conversation per request, from ${A_LEAD_MS} ms before B's run to ${A_LEAD_MS} ms after it.`,
      `The production rates in ${WINDOW_MS / 1000} s windows (${LIMITS.perSiteClient} per site and address, ${LIMITS.perIp} per address, ${LIMITS.perConversation} per conversation:`,
      `${DEFAULT_RATE_LIMITS.perSiteClient}, ${DEFAULT_RATE_LIMITS.perIp} and ${DEFAULT_RATE_LIMITS.perConversation} a minute), so A's ${A_RATE} requests/s are 10× what its address may send and`,
      `${Math.round(A_RATE / (LIMITS.perSiteClient / (WINDOW_MS / 1000)))}× what it may send to one site; in-memory store, client addresses from X-Forwarded-For (trustProxy), loopback.`,
      `The senders of A and of B are two forked processes, each with its own event loop; the server (this process) runs neither.`,
      `Latency counts from each request's scheduled send time.`,
      ``,
      `| site B latency (ms) | requests | p50 | p90 | p99 | max | not 200 | server CPU in the run, ms | server CPU per request (A's and B's), µs |`,
      `|---|---:|---:|---:|---:|---:|---:|---:|---:|`,
      row('A idle', qs, notOk(quiet), quietCpu, quietPerRequest),
      row('A flooding', fs, notOk(flooded), floodCpu, floodPerRequest),
      ``,
      `During the flood A sent ${fmt(aRequests)} requests at ${fmt(aRate)}/s: ${fmt(count(aResult, 200))} stored (up to its limit in each window),` +
        ` ${fmt(limited)} answered 429 (${((limited / aRequests) * 100).toFixed(1)}%)` +
        (notOk(aResult) - limited ? `, ${fmt(notOk(aResult) - limited)} other` : '') +
        `; A's latency p50 ${fmt(summarize(aResult.latencies).p50, 1)} ms, p99 ${fmt(summarize(aResult.latencies).p99, 1)} ms.`,
      `What A's requests added to the server's CPU, per request of A: ${fmt(perARequest)} µs (the flooding run's server CPU less B's requests at the idle run's cost per request)` +
        (postgres ? `; PostgreSQL CPU ${fmt(quietCpu.postgres! * 1000)} ms idle, ${fmt(floodCpu.postgres! * 1000)} ms flooding.` : '.'),
      `A 429 is decided in the first request hook, before the body is read or the database is asked, so what the flood`,
      `costs B is the CPU of receiving and refusing A's requests on the same cores (and, on this 2-core machine, of A's sender).`,
    ];
    if (samples.length) lines.push('', `Other answers: ${samples.join(' | ')}`);
    const note = busyNote(load);
    if (note) lines.push('', note);
    const text = lines.join('\n');
    console.log(text);
    writeSection('flood', text);
  } finally {
    senderA.stop();
    senderB.stop();
    await app?.close();
    await target.dispose();
  }
}
