/**
 * Runs the benches: `npx tsx bench/run.ts [size|load|ingest|otlp|redact|soak|flood|handoff|review|track-record …]` (default: all, in that order).
 * Each prints its figures and rewrites its own section of BENCHMARKS.md. The exit code is 1 when the
 * widget is over its size budget, the soak saw errors or lost a signal, or a bench could not run; other figures never fail the run.
 */
import { runFlood } from './flood';
import { runHandoff } from './handoff';
import { runIngest } from './ingest';
import { runOtlp } from './otlp';
import { runRedact } from './redact';
import { runReview } from './review';
import { runSoak } from './soak';
import { runTrackRecord } from './track-record';
import { runWidgetLoad } from './widget-load';
import { runWidgetSize } from './widget-size';

/** Each bench resolves to false when it failed its budget. */
const BENCHES: Record<string, () => Promise<boolean | void>> = {
  size: runWidgetSize,
  load: runWidgetLoad,
  ingest: runIngest,
  otlp: runOtlp,
  redact: runRedact,
  soak: runSoak,
  flood: runFlood,
  handoff: runHandoff,
  review: runReview,
  'track-record': runTrackRecord,
};
const ALIASES: Record<string, string> = { 'widget-size': 'size', 'widget-load': 'load' };

const requested = process.argv.slice(2).map((n) => ALIASES[n] ?? n);
const unknown = requested.filter((n) => !(n in BENCHES));
if (unknown.length) {
  console.error(`Unknown bench ${unknown.map((n) => `'${n}'`).join(', ')}; the benches are ${Object.keys(BENCHES).join(', ')}.`);
  process.exit(2);
}

let failed = false;
for (const name of requested.length ? requested : Object.keys(BENCHES)) {
  const started = performance.now();
  try {
    if ((await BENCHES[name]!()) === false) failed = true;
  } catch (err) {
    failed = true;
    console.error(`bench ${name} could not run:`, err instanceof Error ? err.message : err);
  }
  console.log(`  (${name}: ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}
process.exit(failed ? 1 : 0);
