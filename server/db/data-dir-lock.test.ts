import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirBusyError, lockDataDir } from './data-dir-lock';

const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-lock-'));
  return { dir, pglite: join(dir, 'pglite') };
};

describe('lockDataDir', () => {
  it('should refuse a second holder while the first is alive', () => {
    const { dir, pglite } = fresh();
    const release = lockDataDir(dir, pglite);
    const child = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'backstop.lock'), JSON.stringify({ pid: child.pid, start: null }));
      expect(() => lockDataDir(dir, pglite)).toThrow(DataDirBusyError);
    } finally {
      child.kill('SIGKILL');
      release();
    }
  });

  it('should take over a lock whose owner is dead and remove the stale postmaster.pid', async () => {
    const { dir, pglite } = fresh();
    const child = spawn('true');
    await new Promise((r) => child.on('exit', r));
    mkdirSync(pglite, { recursive: true });
    writeFileSync(join(dir, 'backstop.lock'), JSON.stringify({ pid: child.pid, start: '1' }));
    writeFileSync(join(pglite, 'postmaster.pid'), '42\n');
    const release = lockDataDir(dir, pglite);
    expect(JSON.parse(readFileSync(join(dir, 'backstop.lock'), 'utf8')).pid).toBe(process.pid);
    expect(existsSync(join(pglite, 'postmaster.pid'))).toBe(false);
    release();
    expect(existsSync(join(dir, 'backstop.lock'))).toBe(false);
  });

  it('should treat a live pid with another start time as a reused pid, not the owner', () => {
    const { dir, pglite } = fresh();
    const child = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'backstop.lock'), JSON.stringify({ pid: child.pid, start: 'not-its-start-time' }));
      const release = lockDataDir(dir, pglite);
      release();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('should refuse the same folder twice in one process and leave its postmaster.pid alone', () => {
    const { dir, pglite } = fresh();
    const release = lockDataDir(dir, pglite);
    mkdirSync(pglite, { recursive: true });
    writeFileSync(join(pglite, 'postmaster.pid'), '42\n');
    expect(() => lockDataDir(dir, pglite)).toThrow(DataDirBusyError);
    expect(existsSync(join(pglite, 'postmaster.pid'))).toBe(true);
    release();
  });
});
