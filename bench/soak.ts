/**
 * Soak: SOAK_WIDGETS (default 200) simulated widgets for SOAK_SECONDS (default 60) each against the
 * server as it runs in production (`node scripts/start.js`, what `npm start` runs, built if stale) on
 * PostgreSQL in a fresh schema. Checks that no request fails except with 429, that latency stays low,
 * that the server's memory stays flat, and that every acknowledged signal is stored exactly once.
 * Needs DATABASE_URL. The server inherits this process's environment, so limits can be switched on:
 * `RATE_LIMIT=on TRUST_PROXY=on npm run bench -- soak` (each widget sends its own X-Forwarded-For).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { cpuMeter } from './lib/cpu-share';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import { repoRoot, writeSection } from './lib/report';
import { runWidget, SoakTally, type WidgetPlan } from './lib/soak-widget';
import { fmt, summarize } from './lib/stats';

const WIDGETS = Number(process.env.SOAK_WIDGETS ?? 200);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const ORIGIN = 'https://soak.example.com';

/** Resident set size of a process, in MiB. */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : NaN;
}

async function startProductionServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; baseUrl: string; output: () => string }> {
  const child = spawn(process.execPath, ['scripts/start.js'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const baseUrl = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + 300_000; // a stale build is rebuilt first
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return { child, baseUrl, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy:\n${output}`);
}

function plans(): WidgetPlan[] {
  return Array.from({ length: WIDGETS }, (_, i) => ({
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    seconds: SECONDS,
    // One widget in ten comes back with a long backlog; one in five goes offline for a while during the run.
    backlog: i % 10 === 0 ? 50 + Math.floor(Math.random() * 250) : 0,
    offlineSeconds: i % 5 === 1 ? 10 + Math.floor(Math.random() * 10) : 0,
  }));
}

export async function runSoak(): Promise<boolean> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log('  soak skipped: it runs on PostgreSQL; set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test).');
    return true;
  }
  const loadAvg = await waitForQuiet('soak');
  const schema = `soak_${randomBytes(5).toString('hex')}`;
  const port = String(20_000 + Math.floor(Math.random() * 20_000));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: port, HOST: '127.0.0.1', DATABASE_URL: url, DATABASE_SCHEMA: schema, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const limits = ['RATE_LIMIT', 'TRUST_PROXY'].map((k) => `${k}=${process.env[k] ?? '(unset)'}`).join(', ');
  console.log(`soak — ${WIDGETS} widgets × ${SECONDS} s on PostgreSQL (schema ${schema}), ${limits}; ${machineLine()}, load average ${loadAvg.toFixed(2)}`);
  const db = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema},public` });
  const server = await startProductionServer(env);
  try {
    const cli = spawnSync(process.execPath, ['dist/server/main.js', 'site', 'create', '--name', 'Soak shop', '--origin', ORIGIN, '--json'], { cwd: repoRoot, env, encoding: 'utf8' });
    if (cli.status !== 0) throw new Error(`site create failed: ${cli.stderr}`);
    const site = JSON.parse(cli.stdout) as { publicKey: string };

    const pid = server.child.pid!;
    const rss: number[] = [rssMiB(pid)];
    const sampler = setInterval(() => rss.push(rssMiB(pid)), 5000);
    const meter = cpuMeter({ server: pid, postgres: true });
    const agent = new http.Agent({ keepAlive: true, maxSockets: WIDGETS });
    const tally = new SoakTally();
    const started = performance.now();
    await Promise.all(plans().map((plan) => runWidget({ baseUrl: server.baseUrl, publicKey: site.publicKey, origin: ORIGIN, agent }, plan, tally)));
    const elapsed = (performance.now() - started) / 1000;
    const cpu = meter();
    clearInterval(sampler);
    rss.push(rssMiB(pid));
    agent.destroy();

    const { rows } = await db.query<{ stored: number; once: number; total: number }>(
      `with acked as (select unnest($1::uuid[]) as id),
            stored as (select client_event_id as id from messages union all select client_event_id from feedback)
       select (select count(*)::int from stored) as total,
              (select count(distinct s.id)::int from stored s join acked a using (id)) as stored,
              (select count(*)::int from (select id from stored group by id having count(*) = 1) o join acked a using (id)) as once`,
      [tally.acked],
    );
    const check = rows[0]!;
    const distinctAcked = new Set(tally.acked).size;
    const exact = check.stored === distinctAcked && check.once === distinctAcked && check.total === distinctAcked;
    const latency = summarize(tally.latencies);
    const drains = summarize(tally.drainLatencies);
    // RSS once warm (10 s into the run) is the baseline memory should stay at; the idle figure is before any request.
    const warm = rss[Math.min(2, rss.length - 1)]!;
    const ok = tally.errors === 0 && exact;
    const events = tally.acked.length;
    console.log(
      `  ${fmt(tally.requests)} requests, ${fmt(events)} signals acknowledged in ${fmt(elapsed)} s; ${tally.throttled} × 429, ${tally.errors} errors${tally.errors ? ` (${tally.errorSamples.join(' | ')})` : ''}`,
    );
    console.log(`  latency of live requests (≤ 3 signals) p50 ${fmt(latency.p50, 1)} ms, p99 ${fmt(latency.p99, 1)} ms, max ${fmt(latency.max, 1)} ms; backlog drains (${drains.n}) p50 ${fmt(drains.p50, 1)} ms, max ${fmt(drains.max, 1)} ms`);
    console.log(`  server RSS idle ${fmt(rss[0]!, 1)} MiB, warm ${fmt(warm, 1)} MiB, end ${fmt(rss.at(-1)!, 1)} MiB, peak ${fmt(Math.max(...rss), 1)} MiB`);
    console.log(`  stored exactly once: ${fmt(check.once)} of ${fmt(distinctAcked)} acknowledged (rows in the schema: ${fmt(check.total)}) ${exact ? '✓' : '✗'}`);
    writeSection(
      'soak',
      [
        `## Soak (\`bench/soak.ts\`)`,
        '',
        `${fmt(WIDGETS)} simulated widgets for ${SECONDS} s each against a production server process (\`node scripts/start.js\`, as \`npm start\`) on PostgreSQL in a fresh schema,`,
        'over keep-alive HTTP/1.1 on 127.0.0.1 in the widget\'s wire form. Each widget asks a question every 2.5–7.5 s, gets the agent\'s answer 0.5–1.5 s later and',
        'rates three answers in ten; one in ten first drains a backlog of 50–300 turns (up to 500 signals a request), one in five goes offline for 10–20 s',
        'and then drains what it queued. 429 is retried after `Retry-After`, as the outbox does. Each widget sends its own client address',
        '(X-Forwarded-For, used when the server trusts a proxy); at a person\'s pace no widget nears the production limits, so with',
        '`TRUST_PROXY=on` a 429 means a limit is too tight, while without it all widgets share 127.0.0.1 and its per-address limit.',
        `Server environment: ${limits}. Machine: ${machineLine()}; load average ${loadAvg.toFixed(2)} at start. Date: ${stamp()}.`,
        busyNote(loadAvg),
        '',
        '| | value | aim |',
        '|---|---:|---|',
        `| requests / signals acknowledged | ${fmt(tally.requests)} / ${fmt(events)} | — |`,
        `| errors other than 429 / 429 answers | ${tally.errors} / ${tally.throttled} | 0 / — |`,
        `| live requests (≤ 3 signals): latency p50 / p99 / max, ms | ${fmt(latency.p50, 1)} / ${fmt(latency.p99, 1)} / ${fmt(latency.max, 1)} | — |`,
        `| backlog drains (${fmt(drains.n)} requests of up to 500 signals): latency p50 / max, ms | ${fmt(drains.p50, 1)} / ${fmt(drains.max, 1)} | — |`,
        `| server RSS idle / warm (10 s in) / end / peak, MiB | ${fmt(rss[0]!, 1)} / ${fmt(warm, 1)} / ${fmt(rss.at(-1)!, 1)} / ${fmt(Math.max(...rss), 1)} | end ≈ warm |`,
        `| acknowledged signals stored exactly once | ${fmt(check.once)} of ${fmt(distinctAcked)} (${fmt(check.total)} rows) | all |`,
        `| CPU per acknowledged signal, µs: server / PostgreSQL | ${fmt((cpu.server! * 1e6) / events)} / ${fmt((cpu.postgres! * 1e6) / events)} | — |`,
      ].join('\n'),
    );
    console.log('  BENCHMARKS.md updated (soak).');
    return ok;
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => (server.child.exitCode !== null ? r(null) : server.child.once('exit', r)));
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await db.end();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runSoak().then(
    (ok) => process.exit(ok ? 0 : 1),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
