/** Where the project's files are, whether running from source (tests) or from the bundle in dist/server. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'backstop-ai') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the backstop-ai package root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The package root (holds package.json, dist/, demo/, server/db/migrations). */
export const projectRoot = findRoot();
export const migrationsDir = join(projectRoot, 'server/db/migrations');
export const widgetDistDir = join(projectRoot, 'dist/widget');
export const consoleDistDir = join(projectRoot, 'dist/console');
export const demoPagesDir = join(projectRoot, 'demo/pages');
