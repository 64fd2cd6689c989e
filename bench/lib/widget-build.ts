/** Makes sure `dist/widget/widget.js` exists and is newer than its sources, building it when not. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './report';

export const widgetPath = join(repoRoot, 'dist/widget/widget.js');

const SOURCES = ['widget', 'shared', 'package.json'].map((p) => join(repoRoot, p));

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), 0);
}

/** Builds the widget if missing or stale (skip with BENCH_NO_BUILD=1); throws if there is still no bundle. */
export function ensureWidgetBuilt(): void {
  const stale = !existsSync(widgetPath) || Math.max(...SOURCES.map(newest)) > statSync(widgetPath).mtimeMs;
  if (stale && process.env.BENCH_NO_BUILD !== '1' && existsSync(join(repoRoot, 'widget/vite.config.ts'))) {
    console.log('  dist/widget/widget.js is missing or older than its sources: npm run build:widget');
    const build = spawnSync('npm', ['run', '--silent', 'build:widget'], { cwd: repoRoot, stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`npm run build:widget failed (exit ${build.status})`);
  }
  if (!existsSync(widgetPath)) throw new Error(`${widgetPath} does not exist: build the widget with \`npm run build:widget\`.`);
}
