import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSite } from './domain/sites';
import { labelCase } from './domain/review-cases';
import { createStaff } from './domain/staff';
import { runCli } from './test/cli-process';
import { ratedAnswer } from './test/review-fixtures';
import { processDatabase, testDbKind } from './test/test-db';

// The CLI runs against a data folder (PGlite) or a fresh schema (PostgreSQL), like an operator's.
const target = processDatabase('backstop-export-cases-');
const env = target.env;
let siteId: string;
let publicKey: string;
let caseId: string;
let staffId: string;

beforeAll(async () => {
  const database = await target.open();
  try {
    ({ siteId, publicKey } = await createSite(database.db, { name: 'Shop', origins: [] }));
    staffId = (await createStaff(database.db, { email: 'rev@example.com', role: 'reviewer', password: 'correct horse battery staple' })).id;
    caseId = (await ratedAnswer(database.db, siteId, { at: new Date('2026-03-01T10:00:00Z'), rating: -1, confidence: 0.9, question: 'Refund me', autoMode: 'tool_failure', rationale: 'timeout' })).caseId;
    await ratedAnswer(database.db, siteId, { at: new Date('2026-02-01T10:00:00Z'), rating: 1, confidence: 0.6 });
  } finally {
    await database.close();
  }
}, 60_000);
afterAll(() => target.remove());

describe(`backstop export cases (${testDbKind})`, { timeout: 90_000 }, () => {
  it('should list export cases in the help', async () => {
    const res = await runCli(['export', '--help'], env);
    expect(res.stdout).toContain('backstop export cases [--site SITE_ID|pk_…] [--mode MODE] [--since ISO_TIME] [--format jsonl|csv]');
  });

  it('should write one EvalCase per line on stdout and the count on stderr', async () => {
    const res = await runCli(['export', 'cases', '--site', siteId], env);
    expect(res.code).toBe(0);
    const rows = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.caseId, r.input, r.autoMode])).toEqual([[caseId, 'Refund me', 'tool_failure'], [expect.any(String), 'When is my next bill?', null]]);
    expect(res.stderr).toBe('exported 2 cases\n');
  });

  it('should filter by mode and since, and show a relabel', async () => {
    const database = await target.open();
    try {
      await labelCase(database.db, caseId, { mode: 'hallucination', staffId });
    } finally {
      await database.close();
    }
    const res = await runCli(['export', 'cases', '--mode', 'hallucination', '--since', '2026-02-15T00:00:00Z', '--format', 'csv'], env);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(caseId);
    expect(lines[1]).toContain(',tool_failure,hallucination,');
  });

  it('should take the site by its public key, as the other commands do', async () => {
    const res = await runCli(['export', 'cases', '--site', publicKey, '--since', '2026-02-15'], env);
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split('\n').map((l) => JSON.parse(l).caseId)).toEqual([caseId]);
  });

  it.each([
    [['--format', 'xml'], '--format must be jsonl or csv'],
    [['--mode', 'bogus'], "--mode must be one of tool_failure, context_drift, instruction_drift, hallucination, adversarial_input, unknown, got 'bogus'"],
    [['--since', 'yesterday'], '--since must be an ISO time'],
    [['--since', '1'], '--since must be an ISO time'],
    [['--since', '2026-02-30'], '--since must be an ISO time'],
    [['--site', 'shop'], "No site with id or key 'shop'"],
    [['--site', 'pk_unknown'], "No site with id or key 'pk_unknown'"],
    [['--site', '00000000-0000-4000-8000-000000000000'], "No site with id or key '00000000-0000-4000-8000-000000000000'"],
    [['--colour', 'red'], "Unknown option '--colour'"],
  ])('should refuse %j with exit code 2', async (args, message) => {
    const res = await runCli(['export', 'cases', ...args], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stdout).toBe('');
  });
});
