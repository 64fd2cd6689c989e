/**
 * A flood on one site does not slow another: site B's widgets send at a steady rate while site A is
 * driven far over its limit from one address. Prints B's latency with and without the flood and A's
 * share of 429s, and rewrites the `flood` section of BENCHMARKS.md. Loopback only, about 20 s.
 *
 * `npx tsx bench/run.ts flood`; PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app';
import { createSite } from '../server/domain/sites';
import { DEFAULT_RATE_LIMITS } from '../server/rate-limit';
import type { MessageSignal } from '../shared/schemas';
import { openPgliteTarget, openPostgresTarget, type BenchDatabase } from './lib/ingest-server';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import { writeSection } from './lib/report';
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
/** Site A: closed-loop senders from one address, as fast as the server answers. */
const A_SENDERS = 16;

interface Target {
  baseUrl: string;
  keyA: string;
  keyB: string;
}

function body(conversationId: string, token: string): string {
  const m: MessageSignal = {
    kind: 'message',
    clientEventId: randomUUID(),
    conversationId,
    conversationToken: token,
    createdAt: new Date().toISOString(),
    role: 'user',
    text: 'When is my next bill?',
  };
  return JSON.stringify({ 0: { items: [m] } });
}

async function push(t: Target, key: string, ip: string, conv: { id: string; token: string }): Promise<number> {
  const res = await fetch(`${t.baseUrl}/trpc/signal.push?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backstop-key': key, origin: ORIGIN, 'x-forwarded-for': ip },
    body: body(conv.id, conv.token),
  });
  await res.arrayBuffer();
  return res.status;
}

/** B at a steady (open-loop) rate for PHASE_MS; latency of each request, and any status that was not 200. */
async function steadyB(t: Target): Promise<{ latencies: number[]; failures: number }> {
  const clients = Array.from({ length: B_CLIENTS }, (_, i) => ({ ip: `198.51.100.${i + 10}` }));
  const latencies: number[] = [];
  let failures = 0;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; ; i++) {
    const due = started + (i * 1000) / B_RATE;
    if (due - started >= PHASE_MS) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const c = clients[i % B_CLIENTS]!;
    const sent = performance.now();
    inFlight.push(
      push(t, t.keyB, c.ip, { id: randomUUID(), token: randomBytes(24).toString('base64url') }).then((status) => {
        latencies.push(performance.now() - sent);
        if (status !== 200) failures++;
      }),
    );
  }
  await Promise.all(inFlight);
  return { latencies, failures };
}

/** A flooded from one address by closed-loop senders until `stop` resolves; counts of answers by status. */
async function floodA(t: Target, stop: Promise<void>): Promise<{ ok: number; limited: number; other: number; ms: number }> {
  let done = false;
  void stop.then(() => (done = true));
  const counts = { ok: 0, limited: 0, other: 0 };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: A_SENDERS }, async () => {
      while (!done) {
        // A new conversation each time, so only the per-site and per-IP limits stop it.
        const status = await push(t, t.keyA, '203.0.113.66', { id: randomUUID(), token: randomBytes(24).toString('base64url') });
        if (status === 200) counts.ok++;
        else if (status === 429) counts.limited++;
        else counts.other++;
      }
    }),
  );
  return { ...counts, ms: performance.now() - started };
}

const row = (label: string, s: Summary, failures: number) =>
  `| ${label} | ${fmt(s.n)} | ${fmt(s.p50, 1)} | ${fmt(s.p90, 1)} | ${fmt(s.p99, 1)} | ${fmt(s.max, 1)} | ${failures} |`;

export async function runFlood(): Promise<void> {
  const load = await waitForQuiet('flood');
  const target: BenchDatabase = process.env.DATABASE_URL ? await openPostgresTarget(process.env.DATABASE_URL, 4) : await openPgliteTarget();
  let app: FastifyInstance | undefined;
  try {
    // Client addresses come from X-Forwarded-For, so one loopback connection can stand for many people.
    app = await buildApp({ database: target.database, logger: false, trustProxy: true, rateLimit: LIMITS });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const a = await createSite(target.database.db, { name: 'Flooded', origins: [ORIGIN] });
    const b = await createSite(target.database.db, { name: 'Bystander', origins: [ORIGIN] });
    const t: Target = { baseUrl: `http://127.0.0.1:${port}`, keyA: a.publicKey, keyB: b.publicKey };

    // Warm-up: connections, JIT, the site cache.
    await Promise.all(Array.from({ length: 20 }, (_, i) => push(t, t.keyB, `192.0.2.${i}`, { id: randomUUID(), token: randomBytes(24).toString('base64url') })));

    const quiet = await steadyB(t);
    let stopFlood!: () => void;
    const flooding = floodA(t, new Promise<void>((r) => (stopFlood = r)));
    await new Promise((r) => setTimeout(r, 500)); // let A pass its limit first
    const flooded = await steadyB(t);
    stopFlood();
    const aCounts = await flooding;

    const qs = summarize(quiet.latencies);
    const fs = summarize(flooded.latencies);
    const aRate = ((aCounts.ok + aCounts.limited + aCounts.other) / aCounts.ms) * 1000;
    const lines = [
      `## Flood isolation`,
      ``,
      `${stamp()} · ${machineLine()} · ${target.notes}.`,
      ``,
      `Site B: ${B_CLIENTS} widgets (${B_CLIENTS} client addresses), ${B_RATE} \`signal.push\` requests/s in all, open loop, ${PHASE_MS / 1000} s per run.`,
      `Site A: ${A_SENDERS} closed-loop senders from one address, a new conversation per request. The production rates in ${WINDOW_MS / 1000} s windows`,
      `(${LIMITS.perSiteClient} per site and address, ${LIMITS.perIp} per address, ${LIMITS.perConversation} per conversation: ${DEFAULT_RATE_LIMITS.perSiteClient}, ${DEFAULT_RATE_LIMITS.perIp} and ${DEFAULT_RATE_LIMITS.perConversation} a minute),`,
      `so A passes its limit within the run; in-memory store, loopback.`,
      ``,
      `| site B latency (ms) | requests | p50 | p90 | p99 | max | not 200 |`,
      `|---|---:|---:|---:|---:|---:|---:|`,
      row('A idle', qs, quiet.failures),
      row('A flooding', fs, flooded.failures),
      ``,
      `During the flood A sent ${fmt(aRate)} requests/s: ${fmt(aCounts.ok)} stored (up to its limit in each window), ${fmt(aCounts.limited)} answered 429` +
        (aCounts.other ? `, ${fmt(aCounts.other)} other` : '') +
        `.`,
      `A 429 is decided in the first request hook, before the body is read or the database is asked, so what the flood`,
      `costs B is the CPU of receiving and refusing A's requests on the same cores. The senders of A and B run in the`,
      `server's own process (one event loop), so A's client work is counted against B too: B's figures under flood are an upper bound.`,
    ];
    const note = busyNote(load);
    if (note) lines.push('', note);
    const text = lines.join('\n');
    console.log(text);
    writeSection('flood', text);
  } finally {
    await app?.close();
    await target.dispose();
  }
}
