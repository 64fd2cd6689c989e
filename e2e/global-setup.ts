/**
 * Starts the stack the suite runs against and returns its teardown:
 * - the built Backstop server as a child process, on PostgreSQL in a private schema when DATABASE_URL is
 *   set (so tests can count stored rows while it runs), on PGlite in a temporary folder otherwise;
 * - an extra site whose allowlist is the host origin; one for the flood test (rate limits count per site,
 *   so flooding it leaves the rest of the suite alone); one with no staff, where nobody is ever online;
 * - staff accounts of the extra site (three agents and a reviewer) for the console and handoff tests, and on
 *   PostgreSQL a reviewer and an agent of the demo site (failure-loop and trust-drafts tests);
 * - the host web server on two more origins (one allowed, one not).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { API_PORT, API_URL, HOST_PORT, HOST_URL, REFUSED_PORT, STACK_ENV, type StackInfo, type StaffAccount } from './support/env';
import { startHostServer } from './support/host-server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'bin/backstop.js');
const run = promisify(execFile);

function requireBuild() {
  const missing = ['dist/widget/widget.js', 'dist/server/main.js'].filter((f) => !existsSync(path.join(ROOT, f)));
  if (missing.length) throw new Error(`e2e needs a build (missing ${missing.join(', ')}). Run \`npm run build\` first.`);
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${API_URL}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function waitForServer(child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The Backstop server exited with code ${child.exitCode} at start; see ${logFile}`);
    if (await healthy()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The Backstop server did not answer ${API_URL}/healthz within 30 s; see ${logFile}`);
}

async function createSite(env: NodeJS.ProcessEnv, name = 'E2E'): Promise<{ siteId: string; publicKey: string }> {
  const { stdout } = await run(process.execPath, [CLI, 'site', 'create', '--name', name, '--origin', HOST_URL, '--json'], {
    cwd: ROOT,
    env,
  });
  const line = stdout.trim().split('\n').findLast((l) => l.startsWith('{'));
  if (!line) throw new Error(`site create printed no JSON: ${stdout}`);
  return JSON.parse(line) as { siteId: string; publicKey: string };
}

/** Staff accounts the console tests sign in with: password piped on stdin, as an operator would. */
const STAFF = [
  { key: 'agent', role: 'agent', name: 'Agent' },
  { key: 'colleague', role: 'agent', name: 'Colleague' },
  { key: 'reviewer', role: 'reviewer', name: 'Reviewer' },
  // The person the handoff tests act as (end users read "Maya from Support joined").
  { key: 'maya', role: 'agent', name: 'Maya' },
] as const;

async function createStaffAccount(env: NodeJS.ProcessEnv, siteId: string, s: { key: string; role: string; name: string }): Promise<StaffAccount> {
  const email = `${s.key}-${randomBytes(3).toString('hex')}@e2e.example`;
  const password = randomBytes(12).toString('base64url');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, 'staff', 'create', '--email', email, '--role', s.role, '--site', siteId, '--name', s.name], { cwd: ROOT, env }, (err, _stdout, stderr) =>
      err ? reject(new Error(`staff create failed: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin!.end(`${password}\n`);
  });
  return { email, password, displayName: s.name };
}

async function createStaffAccounts(env: NodeJS.ProcessEnv, siteId: string): Promise<StackInfo['staff']> {
  const out = {} as StackInfo['staff'];
  for (const s of STAFF) out[s.key] = await createStaffAccount(env, siteId, s);
  return out;
}

/**
 * Staff of the demo site (seeded by the server's first start): a reviewer for the failure-loop test, whose
 * traces come from the demo agent, and an admin who sets its topics and an agent who reviews its drafts (trust-drafts). PostgreSQL only: on
 * PGlite the CLI cannot open the database while the server runs.
 */
async function createDemoStaff(env: NodeJS.ProcessEnv, databaseUrl: string, schema: string): Promise<{ reviewer: StaffAccount; agent: StaffAccount; admin: StaffAccount }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let demoSiteId: string | undefined;
  try {
    const { rows } = await client.query<{ value: string }>(`select value from "${schema}".settings where key = 'demo_site_id'`);
    demoSiteId = rows[0]?.value;
  } finally {
    await client.end();
  }
  if (!demoSiteId) throw new Error('The server started without seeding the demo site');
  return {
    reviewer: await createStaffAccount(env, demoSiteId, { key: 'demo-reviewer', role: 'reviewer', name: 'Demo reviewer' }),
    agent: await createStaffAccount(env, demoSiteId, { key: 'demo-agent', role: 'agent', name: 'Dana' }),
    admin: await createStaffAccount(env, demoSiteId, { key: 'demo-admin', role: 'admin', name: 'Demo admin' }),
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  requireBuild();
  if (await healthy()) throw new Error(`Something already answers on ${API_URL}; stop it or set E2E_PORT to another port.`);

  const work = mkdtempSync(path.join(tmpdir(), 'backstop-e2e-'));
  const logFile = path.join(work, 'server.log');
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const schema = databaseUrl ? `e2e_${randomBytes(6).toString('hex')}` : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(API_PORT),
    HOST: 'localhost',
    LOG_LEVEL: 'warn',
    // Short windows, so that the flood test's widget recovers within seconds; maxima that the other tests,
    // which use another site, stay far below (a 30-question test makes a few dozen requests in all).
    RATE_LIMIT: 'on',
    RATE_LIMIT_WINDOW_SECONDS: '5',
    RATE_LIMIT_PER_SITE_CLIENT: '100',
    RATE_LIMIT_PER_CONVERSATION: '60',
    RATE_LIMIT_PER_IP: '2000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema } : { DATABASE_URL: '', DATA_DIR: path.join(work, 'data') }),
  };

  let child: ChildProcess | undefined;
  const hosts: Server[] = [];
  const teardown = async () => {
    await Promise.all(hosts.map((h) => new Promise((r) => h.close(r))));
    if (child) await stop(child);
    if (databaseUrl && schema) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    }
    // The server's log outlives the run, next to the other test results.
    if (existsSync(logFile)) {
      mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
      copyFileSync(logFile, path.join(ROOT, 'test-results/e2e-server.log'));
    }
    rmSync(work, { recursive: true, force: true });
  };

  try {
    // PGlite can be opened by one process at a time, so there the site is created before the server starts;
    // on PostgreSQL the server migrates the fresh schema first.
    let site = databaseUrl ? undefined : await createSite(env);
    let floodSite = databaseUrl ? undefined : await createSite(env, 'E2E flood');
    let quietSite = databaseUrl ? undefined : await createSite(env, 'E2E quiet');
    let staff = site ? await createStaffAccounts(env, site.siteId) : undefined;
    const log = createWriteStream(logFile);
    child = spawn(process.execPath, [CLI, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    await waitForServer(child, logFile);
    site ??= await createSite(env);
    floodSite ??= await createSite(env, 'E2E flood');
    quietSite ??= await createSite(env, 'E2E quiet');
    staff ??= await createStaffAccounts(env, site.siteId);
    const demoStaff = databaseUrl && schema ? await createDemoStaff(env, databaseUrl, schema) : undefined;

    const values = { API: API_URL, SITE_KEY: site.publicKey, FLOOD_SITE_KEY: floodSite.publicKey, QUIET_SITE_KEY: quietSite.publicKey };
    hosts.push(await startHostServer(HOST_PORT, values));
    hosts.push(await startHostServer(REFUSED_PORT, values));

    const info: StackInfo = {
      siteId: site.siteId,
      siteKey: site.publicKey,
      floodSiteId: floodSite.siteId,
      floodSiteKey: floodSite.publicKey,
      quietSiteKey: quietSite.publicKey,
      staff,
      agent: { email: staff.maya.email, password: staff.maya.password },
      ...(demoStaff ? { demoReviewer: demoStaff.reviewer, demoAgent: demoStaff.agent, demoAdmin: demoStaff.admin } : {}),
      ...(schema ? { schema } : {}),
    };
    process.env[STACK_ENV] = JSON.stringify(info);
    console.log(`e2e: server ${API_URL} (${databaseUrl ? `PostgreSQL, schema ${schema}` : 'PGlite'}), hosts ${HOST_URL} and :${REFUSED_PORT}, log ${logFile}`);
  } catch (err) {
    await teardown().catch(() => {});
    throw err;
  }
  return teardown;
}
