// `npm test`: build, typecheck, widget size budget, unit + server suites (PGlite, and PostgreSQL when
// DATABASE_URL is set), then the Playwright e2e suite in a real Chromium.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;

function step(title, command, args, env = {}) {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const res = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (res.status !== 0) {
    console.error(`\n✖ ${title} failed (exit ${res.status ?? res.signal}).`);
    process.exit(res.status || 1);
  }
  console.log(`✔ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(
    `Chromium was not found at ${chromium}; the e2e suite needs it.\n` +
      'Install it with:  apt-get update && apt-get install -y chromium\n' +
      '(or point CHROMIUM_PATH at another Chromium binary).',
  );
  process.exit(1);
}

step('build', 'npm', ['run', '--silent', 'build']);
step('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
step('widget size budget', 'npx', [
  'tsx',
  '--eval',
  "import { checkWidgetSize } from './bench/widget-size.ts'; const s = checkWidgetSize(); console.log(s.message); process.exit(s.ok ? 0 : 1);",
]);
// The CLI tests run the bundle just built (server/test/cli-process.ts), as `backstop` does, not the sources through tsx.
const builtCli = { BACKSTOP_TEST_CLI: 'built' };
// vitest's default is one worker less than the cores: on a 2-core runner, one file at a time and an idle core.
// Test files share nothing (each has its own database or schema, data folder and ports), so use both.
const workers = ['--maxWorkers', String(Math.max(2, availableParallelism() - 1))];
step('unit and server suites (PGlite)', 'npx', ['vitest', 'run', ...workers], { TEST_DB: 'pglite', ...builtCli });
if (process.env.DATABASE_URL) {
  step('server suite (PostgreSQL)', 'npx', ['vitest', 'run', 'server', ...workers], { TEST_DB: 'postgres', ...builtCli });
} else {
  console.log('\n(DATABASE_URL is not set: the PostgreSQL run of the server suite is skipped; CI always sets it.)');
}
// The e2e suite checks stored rows in PostgreSQL (the server under test runs there, in a fresh schema).
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
let e2eDatabase = process.env.DATABASE_URL;
if (!e2eDatabase) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: LOCAL_POSTGRES, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    e2eDatabase = LOCAL_POSTGRES;
    console.log(`\n(e2e: using the local PostgreSQL at ${LOCAL_POSTGRES} to inspect stored rows.)`);
  } catch (err) {
    console.error(
      `\nThe e2e suite inspects stored rows in PostgreSQL, and none answered at ${LOCAL_POSTGRES} (${err.message}).\n` +
        'Start PostgreSQL there, or set DATABASE_URL=postgres://… to one you can use.',
    );
    process.exit(1);
  }
}
step('e2e suite (Playwright, Chromium)', 'npx', ['playwright', 'test'], { DATABASE_URL: e2eDatabase });
console.log('\nAll suites passed.');
