/**
 * The trace client as an agent backend gets it: the built file (dist/trace-client) installed as `backstop-ai`,
 * imported by its export `backstop-ai/trace-client` from plain Node (no tsx, no TypeScript), and its types
 * checked by a strict tsc project resolving like a compiled backend does (NodeNext).
 *
 * `npm test` builds first and sets BACKSTOP_TEST_CLI=built: the package is then this checkout itself, with the
 * dist/ `npm run build` made. Anywhere else the client is built here into a temporary package, with the same
 * tsconfig, so the test never sees a build older than the code.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { spans } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { projectRoot } from '../paths';
import { openTestDatabase, testDbKind } from '../test/test-db';

const tsc = join(projectRoot, 'node_modules/typescript/bin/tsc');
let database: Database;
let app: FastifyInstance;
let site: CreatedSite;
let url: string;
let work: string;
let backend: string;
/** Accepts connections and never answers. */
let silent: Server;
let silentUrl: string;

/** A child process, asynchronously: the server under test answers from this process's event loop. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, output: stdout + stderr }));
  });
}

/** The package a backend installs: this checkout after `npm run build`, or a temporary one holding a fresh build. */
async function packageUnderTest(): Promise<string> {
  if (process.env.BACKSTOP_TEST_CLI === 'built') {
    const built = join(projectRoot, 'dist/trace-client/trace-client.js');
    if (!existsSync(built)) throw new Error(`BACKSTOP_TEST_CLI=built, but ${built} does not exist: run \`npm run build\` first.`);
    return projectRoot;
  }
  const pkg = join(work, 'backstop-ai');
  mkdirSync(pkg);
  copyFileSync(join(projectRoot, 'package.json'), join(pkg, 'package.json'));
  const build = await run(process.execPath, [tsc, '-p', 'tsconfig.trace-client.json', '--outDir', join(pkg, 'dist/trace-client')], projectRoot);
  if (build.code !== 0) throw new Error(`building the trace client failed:\n${build.output}`);
  return pkg;
}

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false });
  site = await createSite(database.db, { name: 'Built client', origins: [] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;

  work = mkdtempSync(join(tmpdir(), 'backstop-trace-client-'));
  const pkg = await packageUnderTest();
  // An ordinary backend: its own package.json, and backstop-ai in node_modules (linked, as `npm install <folder>` does).
  backend = join(work, 'backend');
  mkdirSync(join(backend, 'node_modules'), { recursive: true });
  writeFileSync(join(backend, 'package.json'), JSON.stringify({ name: 'some-backend', private: true, type: 'module' }));
  symlinkSync(pkg, join(backend, 'node_modules/backstop-ai'), 'dir');
}, 120_000);
afterAll(async () => {
  await app?.close();
  silent?.close();
  await database?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Runs in the backend's folder with plain `node`: prints what record() resolved with, or the error it threw.
const SCRIPT = `
const { createTraceClient, newSpanId, TraceClientError } = await import('backstop-ai/trace-client');
const { URL_, SILENT_URL, KEY, TRACE_ID, SPAN_ID } = process.env;
const outcome = async (p) => p.then((value) => ({ value }), (e) => ({ error: { isTraceClientError: e instanceof TraceClientError, message: e.message, status: e.status, code: e.code, fields: e.fields } }));
const span = { traceId: TRACE_ID, spanId: SPAN_ID, name: 'chat', start: Date.parse('2026-03-01T10:00:00Z'), durationMs: 840,
  attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 7400 } };
console.log(JSON.stringify({
  stored: await outcome(createTraceClient({ url: URL_, ingestKey: KEY }).record({ resource: { 'service.name': 'support-agent' }, spans: [span] })),
  wrongKey: await outcome(createTraceClient({ url: URL_, ingestKey: 'sk_wrong' }).record({ spans: [span] })),
  invalid: await outcome(createTraceClient({ url: URL_, ingestKey: KEY }).record({ spans: [{ ...span, spanId: '0000000000000000', durationMs: -1 }] })),
  unreachable: await outcome(createTraceClient({ url: 'http://127.0.0.1:9', ingestKey: KEY, retries: 0 }).record({ spans: [span] })),
  silent: await outcome(createTraceClient({ url: SILENT_URL, ingestKey: KEY, retries: 0, timeoutMs: 300 }).record({ spans: [span] })),
  newSpanId: newSpanId(),
}));
`;

describe(`the built trace client from plain Node (${testDbKind})`, { timeout: 90_000 }, () => {
  it('should import backstop-ai/trace-client, store a span, and throw clear errors', async () => {
    const traceId = 'ab'.repeat(16);
    const res = await run(process.execPath, ['--input-type=module', '-e', SCRIPT], backend, { URL_: url, SILENT_URL: silentUrl, KEY: site.ingestKey, TRACE_ID: traceId, SPAN_ID: 'cd'.repeat(8) });
    expect(res.code, res.output).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.stored).toEqual({ value: { accepted: 1, rejected: 0, errors: [], traceIds: [traceId] } });
    const rows = await database.db.select().from(spans).where(and(eq(spans.siteId, site.siteId), eq(spans.traceId, traceId)));
    expect(rows.map((r) => [r.spanId, r.name, r.model, r.inputTokens])).toEqual([['cd'.repeat(8), 'chat', 'gpt-4o-mini', 7400]]);

    expect(out.wrongKey.error).toMatchObject({ isTraceClientError: true, status: 401, code: 'UNAUTHORIZED', message: expect.stringContaining('ingest key') });
    expect(out.invalid.error).toMatchObject({ isTraceClientError: true, status: 400, code: 'BAD_REQUEST' });
    expect(Object.keys(out.invalid.error.fields).sort()).toEqual(['spans.0.durationMs', 'spans.0.spanId']);
    // The message names the fields, rather than tRPC's JSON dump of zod issues.
    expect(out.invalid.error.message).toMatch(/^trace\.record refused the input \(HTTP 400\): spans\.0\.\w+ .+; spans\.0\.\w+ /);
    expect(out.unreachable.error).toMatchObject({ isTraceClientError: true, status: null, code: 'NETWORK', message: expect.stringContaining('Cannot reach http://127.0.0.1:9/trpc/trace.record') });
    expect(out.silent.error).toMatchObject({ isTraceClientError: true, status: null, code: 'TIMEOUT', message: `${silentUrl}/trpc/trace.record did not answer within 300 ms` });
    expect(out.newSpanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('should give a compiled TypeScript backend the types (NodeNext resolution, strict)', async () => {
    writeFileSync(
      join(backend, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true }, files: ['agent.ts'] }),
    );
    writeFileSync(
      join(backend, 'agent.ts'),
      `import { createTraceClient, newSpanId, newTraceId, TraceClientError, type TraceRecordResult } from 'backstop-ai/trace-client';
const traces = createTraceClient({ url: 'http://localhost:4000', ingestKey: 'sk_x', timeoutMs: 5000 });
export async function report(): Promise<number> {
  try {
    const result: TraceRecordResult = await traces.record({ spans: [{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', start: Date.now(), durationMs: 1 }] });
    return result.accepted;
  } catch (err) {
    if (err instanceof TraceClientError) return err.status ?? -1;
    throw err;
  }
}
// Typed, not any: a span's start is a time.
// @ts-expect-error
void traces.record({ spans: [{ traceId: 'a', spanId: 'b', name: 'c', start: true, durationMs: 1 }] });
`,
    );
    const res = await run(process.execPath, [tsc, '-p', '.'], backend);
    expect(res.output).toBe('');
    expect(res.code).toBe(0);
  });
});
