// `npm start`: build what is missing or stale, then run `backstop start`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outputs = ['dist/server/main.js', 'dist/widget/widget.js', 'dist/console/index.html'].map((p) => join(root, p));
const sources = ['shared', 'widget', 'server', 'console', 'demo', 'package.json'].map((p) => join(root, p));

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

const stale = outputs.some((o) => !existsSync(o)) || Math.max(...sources.map(newest)) > Math.min(...outputs.map((o) => statSync(o).mtimeMs));
if (stale) {
  console.log('Building widget, console and server…');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// Run the bundled CLI in this process as `backstop start [args]`.
process.argv = [process.argv[0], 'backstop', 'start', ...process.argv.slice(2)];
await import(join(root, 'dist/server/main.js')).then(() => {}, (err) => {
  console.error(err);
  process.exit(1);
});
