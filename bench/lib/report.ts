/**
 * BENCHMARKS.md at the repository root holds the latest figure of each bench in its own section,
 * between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`. A bench rewrites only its section, so
 * running one bench keeps the others' figures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const benchmarksPath = join(repoRoot, 'BENCHMARKS.md');

/** Section order of a freshly created file. */
const SECTIONS = ['size', 'load', 'ingest', 'otlp', 'redact', 'soak', 'flood', 'handoff', 'review'];

const HEADER = `# Benchmarks

Latest figures of \`npm run bench\` (\`npx tsx bench/run.ts [size|load|ingest]\`). Each section is rewritten by its
own bench; figures are measurements on the machine named in the section, not pass/fail checks, except the widget size
budget. Budgets and aims: DESIGN.md, "Performance budgets".
`;

const open = (name: string) => `<!-- bench:${name} -->`;
const close = (name: string) => `<!-- /bench:${name} -->`;

/** Replaces (or appends) the section `name` with `body`. */
export function writeSection(name: string, body: string): void {
  let text = existsSync(benchmarksPath)
    ? readFileSync(benchmarksPath, 'utf8')
    : HEADER + SECTIONS.map((s) => `\n${open(s)}\n_not run yet_\n${close(s)}\n`).join('');
  const block = `${open(name)}\n${body.trim()}\n${close(name)}`;
  const start = text.indexOf(open(name));
  const end = text.indexOf(close(name));
  if (start >= 0 && end > start) text = text.slice(0, start) + block + text.slice(end + close(name).length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(benchmarksPath, text);
}
