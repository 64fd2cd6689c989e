/** Runs the real CLI as a child process, as operators do: the built bundle in `npm test`, else from source. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths';

/**
 * `npm test` builds first and sets BACKSTOP_TEST_CLI=built: the children then run dist/server/main.js, which
 * `backstop` itself runs, instead of compiling the server's sources through tsx in every one of them (most of
 * a CLI test's time). Anywhere else the sources run, so a test never sees a build older than the code.
 */
export function cliEntry(env: NodeJS.ProcessEnv = process.env): string[] {
  const built = join(projectRoot, 'dist/server/main.js');
  if (env.BACKSTOP_TEST_CLI !== 'built') return ['--import', 'tsx', 'server/main.ts'];
  if (!existsSync(built)) throw new Error(`BACKSTOP_TEST_CLI=built, but ${built} does not exist: run \`npm run build\` first.`);
  return [built];
}

const entry = cliEntry();

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** Starts `backstop start` and resolves once /healthz answers. */
export async function startServerProcess(env: NodeJS.ProcessEnv & { PORT: string }): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [...entry, 'start'], {
    cwd: projectRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, url, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy within 60 s:\n${output}`);
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** A free-ish port for a child server. */
export function randomPort(): string {
  return String(20_000 + Math.floor(Math.random() * 20_000));
}
