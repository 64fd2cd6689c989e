import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './test/cli-process';
import { processDatabase, testDbKind } from './test/test-db';

const target = processDatabase('backstop-readiness-');
afterAll(() => target.remove());

const IDS = ['context_management', 'tool_call_resilience', 'instruction_clarity', 'uncertainty_handling', 'failure_cost_mapping', 'observability', 'security_posture'];

describe(`backstop readiness (${testDbKind})`, { timeout: 120_000 }, () => {
  let siteId = '';

  it('should print exactly the checks as JSON, in order, and exit 0 when nothing fails', async () => {
    siteId = JSON.parse((await runCli(['site', 'create', '--name', 'Ready', '--origin', 'https://ready.example', '--json'], target.env)).stdout).siteId;
    const res = await runCli(['readiness', '--site', siteId, '--json'], target.env);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(Object.keys(out)).toEqual(['checks']);
    expect(out.checks.map((c: { id: string }) => c.id)).toEqual(IDS);
    for (const c of out.checks) {
      expect(Object.keys(c)).toEqual(['id', 'status', 'evidence', 'advice']);
      expect(['pass', 'warn', 'fail']).toContain(c.status);
    }
    // A fresh site has no data: warnings, never a pass.
    expect(out.checks.map((c: { status: string }) => c.status)).toEqual(Array(7).fill('warn'));
  });

  it('should exit 1 when a check fails, with a readable table', async () => {
    const database = await target.open();
    try {
      await database.db.execute(sql`update sites set allowed_origins = '[]'::jsonb where id = ${siteId}`);
    } finally {
      await database.close();
    }
    const res = await runCli(['readiness', '--site', siteId], target.env);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/FAIL {2}Security posture +The origin allowlist is empty/);
    expect(res.stdout).toContain('WARN  Observability');
    expect(res.stdout).toContain('0 passed, 6 warned, 1 failed.');
    const json = await runCli(['readiness', '--site', siteId, '--json'], target.env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).checks[6].status).toBe('fail');
  });

  it('should refuse a missing or unknown site with a usage error', async () => {
    expect((await runCli(['readiness'], target.env)).code).toBe(2);
    const unknown = await runCli(['readiness', '--site', crypto.randomUUID()], target.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No site with id or key');
  });
});
