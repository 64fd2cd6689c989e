/**
 * `backstop readiness --site ID [--json]`: the seven production-readiness checks for CI pipelines. Exit
 * code 1 when any check fails (warnings pass); `--json` prints exactly
 * `{ "checks": [{ "id", "status", "evidence", "advice" }] }` in the checklist's order.
 */
import { parseArgs } from 'node:util';
import type { Db } from './db/client';
import { readiness } from './domain/readiness-stats';
import { findSite } from './domain/sites';
import { CommandUsageError } from './security-commands';

export const READINESS_HELP = `Usage: backstop readiness --site SITE_ID|pk_… [--json]

Production readiness from the site's own data of the last 30 days: context management, tool-call
resilience, instruction clarity, uncertainty handling, failure-cost mapping, observability and security
posture, each pass, warn or fail with its evidence and what to do next.
Exit code 1 when any check fails (for CI pipelines); warnings do not fail.
--json prints exactly {"checks":[{"id","status","evidence","advice"}]} in the checklist's order.`;

type WithDb = <T>(fn: (db: Db) => Promise<T>) => Promise<T>;

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

/** Runs the checks and prints them; returns the exit code. */
export async function readinessCommand(withDb: WithDb, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  if (!values.site) throw new CommandUsageError(`readiness needs --site SITE_ID or --site pk_….\n\n${READINESS_HELP}`);
  const report = await withDb(async (db) => {
    const site = await findSite(db, values.site!);
    if (!site) throw new CommandUsageError(`No site with id or key '${values.site}'.`);
    return { site, report: await readiness(db, site.id) };
  });
  const checks = report.report.checks;
  if (values.json) {
    console.log(JSON.stringify({ checks: checks.map(({ id, status, evidence, advice }) => ({ id, status, evidence, advice })) }));
  } else {
    const width = Math.max(...checks.map((c) => c.title.length));
    console.log(`Production readiness of '${report.site.name}' (last ${report.report.windowDays} days)\n`);
    for (const c of checks) {
      console.log(`${MARK[c.status]}  ${c.title.padEnd(width)}  ${c.evidence}`);
      console.log(`      ${' '.repeat(width)}  → ${c.advice}`);
    }
    const count = (s: 'pass' | 'warn' | 'fail') => checks.filter((c) => c.status === s).length;
    console.log(`\n${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed.`);
  }
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
