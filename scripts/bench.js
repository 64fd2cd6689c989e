// `npm run bench [-- size|load|ingest|soak|flood …]`: runs bench/run.ts with tsx, passing the arguments on.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const run = spawnSync('npx', ['tsx', 'bench/run.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
