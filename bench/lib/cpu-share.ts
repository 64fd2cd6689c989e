/**
 * CPU time by process group during a phase (Linux /proc): the server under test, the load generator
 * and the PostgreSQL backends, which all share this machine's cores. Empty on other systems.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep the Linux default
}

/** utime+stime of a process, in CPU-seconds; 0 if it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces, are space-separated; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

function postgresPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

export type CpuGroups = Record<string, number>;

/** Starts counting; the returned function gives CPU-seconds per group since the start. */
export function cpuMeter(groups: { server: number; load?: number; postgres: boolean }): () => CpuGroups {
  const pidsOf = (): Record<string, number[]> => ({
    server: [groups.server],
    ...(groups.load ? { load: [groups.load] } : {}),
    ...(groups.postgres ? { postgres: postgresPids() } : {}),
  });
  const before = new Map<number, number>();
  for (const pids of Object.values(pidsOf())) for (const pid of pids) before.set(pid, cpuSeconds(pid));
  return () => {
    const out: CpuGroups = {};
    // A process that started during the phase counts from zero; one that ended is missed (the bench keeps its connections open).
    for (const [group, pids] of Object.entries(pidsOf())) out[group] = pids.reduce((s, pid) => s + cpuSeconds(pid) - (before.get(pid) ?? 0), 0);
    return out;
  };
}
