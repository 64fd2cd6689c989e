/** The machine a figure was measured on, printed with every result so figures are never read without it. */
import os from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  platform: string;
}

export function machine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() || 'unknown CPU',
    cores: cpus.length,
    ramGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** One line: "AMD EPYC, 2 cores, 23 GiB RAM, Node v20.20.2, linux 6.1.0". */
export function machineLine(m: MachineInfo = machine()): string {
  return `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.platform}`;
}

/** Today's date and time in UTC, minute precision, for report headers. */
export function stamp(): string {
  return new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/**
 * With BENCH_MAX_LOAD set (e.g. 1.0), waits until the 1-minute load average is below it, for at most
 * BENCH_MAX_WAIT minutes (default 15), so figures are not taken while other jobs share the cores.
 * Returns the load average it starts at.
 */
export async function waitForQuiet(label: string): Promise<number> {
  const max = Number(process.env.BENCH_MAX_LOAD);
  if (!max) return os.loadavg()[0]!;
  const deadline = Date.now() + Number(process.env.BENCH_MAX_WAIT ?? 15) * 60_000;
  let announced = false;
  while (os.loadavg()[0]! >= max && Date.now() < deadline) {
    if (!announced) console.log(`  ${label}: waiting for the load average to drop below ${max} (now ${os.loadavg()[0]!.toFixed(2)})…`);
    announced = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
  const load = os.loadavg()[0]!;
  if (load >= max) console.log(`  ${label}: load average still ${load.toFixed(2)}; measuring anyway.`);
  return load;
}

/** A warning line when other work shared the cores during a timing run, or '' on a quiet machine. */
export function busyNote(loadAvg: number): string {
  const cores = os.cpus().length;
  if (loadAvg < cores * 0.75) return '';
  return `> ⚠ The machine was busy with other jobs (load average ${loadAvg.toFixed(1)} on ${cores} cores) during this run: rates and latencies are pessimistic and noisy; rerun with \`BENCH_MAX_LOAD=1\` on a quiet machine.`;
}
