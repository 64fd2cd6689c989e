/**
 * One process at a time may open the embedded database folder.
 *
 * Why: PGlite is single-process, and after a crash (kill -9) it leaves `postmaster.pid` behind, which
 * makes the next open hang. We keep our own lock file holding the owner's pid and start time; a lock
 * whose owner is gone is stale, and only then is PGlite's leftover `postmaster.pid` removed.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dir} is in use by a running Backstop process (pid ${pid}). ` +
        'Stop that process first, or set DATABASE_URL to use PostgreSQL, which many processes can share.',
    );
  }
}

interface LockOwner {
  pid: number;
  /** Process start time from /proc, so a reused pid is not mistaken for the owner. */
  start: string | null;
}

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counted after the parenthesised command name, which may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start === null) return true;
  const start = processStart(owner.pid);
  return start === null || start === owner.start;
}

function readOwner(path: string): LockOwner | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, start: parsed.start ?? null } : null;
  } catch {
    return null;
  }
}

/**
 * Takes the lock on `dir` (creating it), removing a stale PGlite pid file under `pgliteDir`.
 * Returns a release function. Throws DataDirBusyError when a live process holds it.
 */
export function lockDataDir(dir: string, pgliteDir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, 'backstop.lock');
  const me: LockOwner = { pid: process.pid, start: processStart(process.pid) };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      const stalePid = join(pgliteDir, 'postmaster.pid');
      if (existsSync(stalePid)) rmSync(stalePid);
      return () => {
        const owner = readOwner(lockPath);
        if (owner?.pid === me.pid) rmSync(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(lockPath);
      if (owner && (owner.pid === me.pid || isAlive(owner))) throw new DataDirBusyError(dir, owner.pid);
      // Stale (owner dead, or a half-written file from a crash): remove it and race for it again.
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lockPath}; another process keeps replacing it.`);
}
