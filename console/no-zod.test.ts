/**
 * The console imports values from shared/ only from modules without zod: one value import from a module
 * with zod schemas puts zod (~25 KB gzip) into the console bundle. Types may come from anywhere.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.dirname(new URL(import.meta.url).pathname);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [file] : [];
  });
}

/** Whether a module imports zod, directly or through its own value imports of sibling modules. */
function bringsZod(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(?:import|export) (?!type\b)[^;]*? from '([^']+)'/gm)) {
    const spec = m[1]!;
    if (spec === 'zod' || spec.startsWith('zod/')) return true;
    if (!spec.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), spec);
    const target = [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((f) => { try { return statSync(f).isFile(); } catch { return false; } });
    if (target && bringsZod(target, seen)) return true;
  }
  return false;
}

describe('the console bundle', () => {
  it('should take no value from a module that brings zod', () => {
    const offenders = sources(root).filter((file) => bringsZod(file)).map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });
});
