/**
 * The command line's topic commands: `topic list`, `topic set` (failure cost, autonomy, success criterion)
 * and `topic default` (the autonomy of answers whose topic is missing or not defined). Changes are audited
 * with actor `cli`, like the console's.
 */
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { AUTONOMY_LABELS, AUTONOMY_LEVELS, FAILURE_COSTS, topicSetInput, type Autonomy, type TopicPolicy } from '../shared/trust';
import type { Db } from './db/client';
import { CLI_ACTOR } from './domain/audit';
import { findSite } from './domain/sites';
import { listTopics, setTopic } from './domain/topics';
import { readTrustSettings, updateTrustSettings } from './domain/trust-settings';
import { CommandUsageError } from './security-commands';

export const TOPIC_HELP = `Usage: backstop topic list --site SITE_ID|pk_… [--json]
       backstop topic set --site SITE_ID|pk_… --name NAME [--cost low|high]
                          [--autonomy auto|suggest_handoff|human_review] [--criterion TEXT] [--reason TEXT]
       backstop topic default --site SITE_ID|pk_… [--autonomy auto|suggest_handoff|human_review] [--reason TEXT]

Topics are the kinds of question a site's agent answers ("refunds", "billing dates"); answers name theirs
in AgentAnswer.topic or the span attribute backstop.topic.
topic list: name, failure cost, autonomy, success criterion and last change; --json prints one JSON object
  {"siteId","defaultAutonomy","topics":[{"name","failureCost","autonomy","criterion","updatedBy","updatedAt"}]}.
topic set: creates the topic or changes the fields given (a new topic starts auto, cost unset).
  --cost        what a wrong answer costs: low or high
  --autonomy    auto: ${AUTONOMY_LABELS.auto}
                suggest_handoff: ${AUTONOMY_LABELS.suggest_handoff}
                human_review: ${AUTONOMY_LABELS.human_review}
  --criterion   one line saying what a good answer does (--criterion "" clears it)
  --reason      why, kept in the audit log
topic default: prints, or with --autonomy sets, the autonomy of answers without a defined topic.
Every change is written to the audit log (actor cli).`;

type WithDb = <T>(fn: (db: Db) => Promise<T>) => Promise<T>;

// The flag an input field is given by, so a refusal names what the operator typed.
const FLAG_OF: Record<string, string> = { name: '--name', failureCost: '--cost', autonomy: '--autonomy', criterion: '--criterion', reason: '--reason' };

async function siteOf(db: Db, idOrKey: string | undefined, command: string) {
  if (!idOrKey) throw new CommandUsageError(`${command} needs --site SITE_ID or --site pk_….\n\n${TOPIC_HELP}`);
  const site = await findSite(db, idOrKey);
  if (!site) throw new CommandUsageError(`No site with id or key '${idOrKey}'.`);
  return site;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new CommandUsageError(`${flag} must be one of ${allowed.join(', ')}, got '${value}'.`);
  return value as T;
}

function refusal(error: z.ZodError): CommandUsageError {
  return new CommandUsageError(error.issues.map((i) => `${FLAG_OF[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`).join('\n'));
}

/** `topic list|set|default`. */
export async function topicCommand(withDb: WithDb, sub: string | undefined, args: string[]): Promise<number> {
  if (sub === 'list') return topicList(withDb, args);
  if (sub === 'set') return topicSet(withDb, args);
  if (sub === 'default') return topicDefault(withDb, args);
  throw new CommandUsageError(sub ? `Unknown topic command '${sub}'.\n\n${TOPIC_HELP}` : TOPIC_HELP);
}

async function topicList(withDb: WithDb, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const { site, topics, defaultAutonomy } = await withDb(async (db) => {
    const found = await siteOf(db, values.site, 'topic list');
    return { site: found, topics: await listTopics(db, found.id), defaultAutonomy: (await readTrustSettings(db, found.id)).defaultAutonomy };
  });
  if (values.json) {
    console.log(JSON.stringify({ siteId: site.id, defaultAutonomy, topics }));
    return 0;
  }
  if (topics.length === 0) console.log(`Site '${site.name}' has no topics yet. Define one: backstop topic set --site ${site.id} --name NAME --cost low|high`);
  else console.log(table(topics));
  console.log(`Answers of other topics (or none): ${defaultAutonomy}`);
  return 0;
}

/** The topics as an aligned text table; long criteria are cut (the JSON output has them whole). */
export function table(topics: TopicPolicy[]): string {
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const rows = [
    ['NAME', 'COST', 'AUTONOMY', 'CRITERION', 'UPDATED'],
    ...topics.map((t) => [
      clip(t.name, 40),
      t.failureCost ?? '-',
      t.autonomy,
      clip(t.criterion ?? '-', 60),
      `${t.updatedAt.slice(0, 16).replace('T', ' ')}${t.updatedBy ? ` by ${t.updatedBy}` : ''}`,
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')).join('\n');
}

async function topicSet(withDb: WithDb, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { site: { type: 'string' }, name: { type: 'string' }, cost: { type: 'string' }, autonomy: { type: 'string' }, criterion: { type: 'string' }, reason: { type: 'string' } },
    strict: true,
  });
  if (values.name === undefined) throw new CommandUsageError(`topic set needs --name NAME.\n\n${TOPIC_HELP}`);
  const failureCost = oneOf('--cost', values.cost, FAILURE_COSTS);
  const autonomy = oneOf('--autonomy', values.autonomy, AUTONOMY_LEVELS);
  const result = await withDb(async (db) => {
    const site = await siteOf(db, values.site, 'topic set');
    const parsed = topicSetInput.safeParse({ siteId: site.id, name: values.name, failureCost, autonomy, criterion: values.criterion, reason: values.reason });
    if (!parsed.success) throw refusal(parsed.error);
    return { site, topic: await setTopic(db, CLI_ACTOR, parsed.data) };
  });
  const t = result.topic;
  console.log(
    `Topic '${t.name}' on site '${result.site.name}': cost ${t.failureCost ?? 'not set'}, autonomy ${t.autonomy} (${AUTONOMY_LABELS[t.autonomy]})` +
      (t.criterion ? `, criterion: ${t.criterion}` : ''),
  );
  return 0;
}

async function topicDefault(withDb: WithDb, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, autonomy: { type: 'string' }, reason: { type: 'string' } }, strict: true });
  const autonomy: Autonomy | undefined = oneOf('--autonomy', values.autonomy, AUTONOMY_LEVELS);
  const { site, level } = await withDb(async (db) => {
    const found = await siteOf(db, values.site, 'topic default');
    const settings = autonomy ? await updateTrustSettings(db, CLI_ACTOR, found.id, { defaultAutonomy: autonomy }, values.reason) : await readTrustSettings(db, found.id);
    return { site: found, level: settings.defaultAutonomy };
  });
  console.log(`Site '${site.name}': answers without a defined topic get ${level} (${AUTONOMY_LABELS[level]}).`);
  return 0;
}
