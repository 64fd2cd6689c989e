/** `backstop demo seed`: the demo site's history, on request (see demo-seed.ts). */
import { parseArgs } from 'node:util';
import type { Db } from './db/client';
import { DemoSeedRefusal, seedDemo } from './demo-seed';
import { CommandUsageError } from './security-commands';

export const DEMO_HELP = `Usage: backstop demo seed [--site SITE_ID|pk_…] [--answers N] [--force]

Gives a site (default: the demo site the first 'backstop start' made) six weeks of believable history, so
that Review, Track record, calibration and readiness have something to show: about 3,000 agent answers
across five topics (billing dates, refunds, account deletion, shipping, password reset; "plan upgrade" is
left undefined), with confidences, traces, ratings, escalations with outcomes, and ~300 decided drafts of
"refunds" (under human_review), one reviewer of which approves in under a second. Topics already defined
keep their policy. A second run is refused: --force adds another history. --answers (default 3000, 10 to 50000).
Works on the embedded database while the server is stopped, and on PostgreSQL at any time.`;

type WithDb = <T>(fn: (db: Db) => Promise<T>) => Promise<T>;

/** `demo seed`. */
export async function demoCommand(withDb: WithDb, sub: string | undefined, args: string[]): Promise<number> {
  if (sub !== 'seed') throw new CommandUsageError(sub ? `Unknown demo command '${sub}'.\n\n${DEMO_HELP}` : DEMO_HELP);
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, answers: { type: 'string' }, force: { type: 'boolean' } }, strict: true });
  const answers = values.answers === undefined ? undefined : Number(values.answers);
  if (answers !== undefined && (!Number.isInteger(answers) || answers < 10 || answers > 50_000))
    throw new CommandUsageError(`--answers must be a whole number from 10 to 50000, got '${values.answers}'.`);
  const started = Date.now();
  const result = await withDb((db) => seedDemo(db, { siteId: values.site, force: values.force, answers })).catch((err) => {
    if (err instanceof DemoSeedRefusal) throw new CommandUsageError(err.message);
    throw err;
  });
  console.log(
    `Seeded '${result.siteName}' (${result.siteId}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.answers} answers in ${result.conversations} conversations, ` +
      `${result.ratings} ratings, ${result.escalations} escalations, ${result.drafts} decided drafts, ${result.traces} traces, ${result.cases} review cases.`,
  );
  return 0;
}
