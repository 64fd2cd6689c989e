// `npm run bench [-- size|load|ingest|soak|flood|handoff …]`: runs bench/run.ts with tsx, passing the arguments on.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
// Node 20 has EventSource (used by the handoff bench's SSE clients) only behind this flag.
const eventSource = process.allowedNodeEnvironmentFlags.has('--experimental-eventsource') ? ' --experimental-eventsource' : '';
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''}${eventSource}`.trim() };
const run = spawnSync('npx', ['tsx', 'bench/run.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
process.exit(run.status ?? 1);
