/**
 * A bad DATABASE_URL or HOST stops `backstop start` with one line naming the variable, and never prints
 * a password, whether the value is malformed or the server behind it refuses us.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { randomPort, runCli } from './test/cli-process';
import { processDatabase } from './test/test-db';

const SECRET = 'hunter2-s3cret';
const target = processDatabase('backstop-env-');
afterAll(() => target.remove());

/** Runs `backstop start` to its end; a server that starts anyway is killed by the timeout and fails the test. */
async function start(env: NodeJS.ProcessEnv) {
  const res = await runCli(['start'], { LOG_LEVEL: 'warn', PORT: randomPort(), ...target.env, ...env });
  const output = res.stdout + res.stderr;
  return { ...res, output, lines: output.trim().split('\n') };
}

const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The test server's URL with a user and a wrong password. */
const withPassword = (user: string) => {
  const url = new URL(postgresUrl);
  url.username = user;
  url.password = SECRET;
  return url.toString();
};

describe('backstop start with a bad DATABASE_URL or HOST', { timeout: 60_000 }, () => {
  it.each([
    ['a malformed URL', `postgres://admin:${SECRET}@db.example.com:notaport/app`],
    ['a password with a slash and an at sign', `postgres://admin:${SECRET}/x@y@db.example.com:99999/app`],
    ['a mysql URL', `mysql://admin:${SECRET}@db.example.com/app`],
  ])('should stop on %s with one line naming DATABASE_URL and no password', async (_name, url) => {
    const res = await start({ DATABASE_URL: url });
    expect(res.code).toBe(1);
    expect(res.lines).toHaveLength(1);
    expect(res.output).toContain('DATABASE_URL');
    expect(res.output).not.toContain(SECRET);
  });

  it('should stop with one line naming DATABASE_URL when nothing listens at it', async () => {
    const res = await start({ DATABASE_URL: `postgres://admin:${SECRET}@127.0.0.1:9/app` });
    expect(res.code).toBe(1);
    expect(res.lines).toHaveLength(1);
    expect(res.output).toContain('DATABASE_URL');
    expect(res.output).not.toContain(SECRET);
  });

  it('should stop with one line naming DATABASE_URL when the database refuses the login', async () => {
    const res = await start({ DATABASE_URL: withPassword('no_such_role_backstop'), DATABASE_SCHEMA: '' });
    expect(res.code).toBe(1);
    expect(res.lines).toHaveLength(1);
    expect(res.output).toContain('DATABASE_URL');
    expect(res.output).not.toContain(SECRET);
  });

  it.each([
    ['a host name that does not resolve', 'no.such.host.invalid'],
    ['an address of no interface here', '203.0.113.7'],
  ])('should stop on %s with one line naming HOST', async (_name, host) => {
    const res = await start({ HOST: host });
    expect(res.code).toBe(1);
    expect(res.lines).toHaveLength(1);
    expect(res.output).toContain(`HOST="${host}"`);
  });
});
