/**
 * `backstop topic list|set|default`: the table and JSON, audited changes as cli, clear refusals (exit code 2).
 * The commands run in this process on a test database; one spawned run checks the exit code operators see.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database, Db } from './db/client';
import { listAudit } from './domain/audit';
import { createSite, type CreatedSite } from './domain/sites';
import { listTopics } from './domain/topics';
import { CommandUsageError } from './security-commands';
import { runCli } from './test/cli-process';
import { openTestDatabase, processDatabase, testDbKind } from './test/test-db';
import { TOPIC_HELP, topicCommand } from './topic-commands';

let database: Database;
let site: CreatedSite;
beforeAll(async () => {
  database = await openTestDatabase();
  site = await createSite(database.db, { name: 'Topics shop', origins: [] });
});
afterAll(async () => {
  await database.close();
});

const withDb = <T>(fn: (db: Db) => Promise<T>) => fn(database.db);

/** Runs `topic <args>` and returns what it printed. */
async function topic(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  try {
    expect(await topicCommand(withDb, args[0], args.slice(1))).toBe(0);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

const refusalOf = (args: string[]) => topicCommand(withDb, args[0], args.slice(1)).then(() => null, (err: Error) => err);

describe(`backstop topic (${testDbKind})`, () => {
  it('should set topics, list them as a table and as JSON, change the default, and audit every change as cli', async () => {
    const s = site.siteId;
    expect(await topic('set', '--site', s, '--name', 'refunds', '--cost', 'high', '--autonomy', 'human_review', '--criterion', 'names the refund amount', '--reason', 'no record yet')).toContain(
      "Topic 'refunds' on site 'Topics shop': cost high, autonomy human_review",
    );
    // Changing one field keeps the others; the site may be named by its public key.
    await topic('set', '--site', site.publicKey, '--name', 'refunds', '--autonomy', 'suggest_handoff');
    await topic('set', '--site', s, '--name', 'billing dates', '--cost', 'low');
    expect(await topic('default', '--site', s)).toContain('answers without a defined topic get auto');
    expect(await topic('default', '--site', s, '--autonomy', 'human_review', '--reason', 'new release')).toContain('answers without a defined topic get human_review');

    const lines = (await topic('list', '--site', s)).split('\n');
    expect(lines[0]).toMatch(/^NAME\s+COST\s+AUTONOMY\s+CRITERION\s+UPDATED$/);
    expect(lines[1]).toMatch(/^billing dates\s+low\s+auto\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d by cli$/);
    expect(lines[2]).toMatch(/^refunds\s+high\s+suggest_handoff\s+names the refund amount\s+\d{4}-\d\d-\d\d \d\d:\d\d by cli$/);
    expect(lines[3]).toBe('Answers of other topics (or none): human_review');

    const json = await topic('list', '--site', s, '--json');
    expect(json.split('\n')).toHaveLength(1);
    const listed = JSON.parse(json);
    expect(listed).toMatchObject({ siteId: s, defaultAutonomy: 'human_review' });
    expect(listed.topics.map((t: { name: string; failureCost: string; autonomy: string }) => [t.name, t.failureCost, t.autonomy])).toEqual([
      ['billing dates', 'low', 'auto'],
      ['refunds', 'high', 'suggest_handoff'],
    ]);

    const audit = await listAudit(database.db, { siteIds: [s], withoutSite: false, limit: 50 });
    expect(audit.entries.map((a) => [a.action, a.actor, a.targetId]).reverse()).toEqual([
      ['topic.create', 'cli', 'refunds'],
      ['topic.set', 'cli', 'refunds'],
      ['topic.create', 'cli', 'billing dates'],
      ['trust.settings', 'cli', s],
    ]);
    expect(audit.entries[0]!.details).toEqual({ before: { defaultAutonomy: 'auto' }, after: { defaultAutonomy: 'human_review' }, reason: 'new release' });
  });

  it('should say how to define a first topic on a site without any', async () => {
    const empty = await createSite(database.db, { name: 'Empty', origins: [] });
    expect(await topic('list', '--site', empty.siteId)).toContain(`has no topics yet. Define one: backstop topic set --site ${empty.siteId} --name NAME`);
  });

  it.each([
    [['set', '--site', '00000000-0000-4000-8000-000000000000', '--name', 'refunds'], "No site with id or key '00000000-0000-4000-8000-000000000000'."],
    [['set', '--site', 'SITE', '--name', 'refunds', '--autonomy', 'sometimes'], "--autonomy must be one of auto, suggest_handoff, human_review, got 'sometimes'."],
    [['set', '--site', 'SITE', '--name', 'refunds', '--cost', 'medium'], "--cost must be one of low, high, got 'medium'."],
    [['set', '--site', 'SITE', '--name', '  \u0000 '], '--name: give the topic a name'],
    [['set', '--site', 'SITE', '--name', 'refunds', '--criterion', 'x'.repeat(301)], '--criterion: must be at most 300 characters'],
    [['set', '--site', 'SITE'], 'topic set needs --name NAME.'],
    [['list'], 'topic list needs --site SITE_ID'],
    [['default', '--site', 'SITE', '--autonomy', 'manual'], "--autonomy must be one of auto, suggest_handoff, human_review, got 'manual'."],
    [['rename', '--site', 'SITE'], "Unknown topic command 'rename'."],
  ])('should refuse %j as a usage error with a clear message and change nothing', async (args, message) => {
    const fresh = await createSite(database.db, { name: 'Refusals', origins: [] });
    const err = await refusalOf(args.map((a) => (a === 'SITE' ? fresh.siteId : a)));
    expect(err).toBeInstanceOf(CommandUsageError);
    expect(err!.message).toContain(message);
    expect(await listTopics(database.db, fresh.siteId)).toEqual([]);
  });

  it('should describe every option in its help', () => {
    for (const text of ['topic list', 'topic set', 'topic default', '--cost low|high', '--autonomy', '--criterion', '--reason', '--json', 'human_review']) expect(TOPIC_HELP).toContain(text);
  });
});

describe('backstop topic as a process', { timeout: 240_000 }, () => {
  const target = processDatabase('backstop-topic-cli-');
  afterAll(() => target.remove());

  it('should exit with 2 and name the flag for a bad value, and print the help of topic', async () => {
    const bad = await runCli(['topic', 'set', '--site', '00000000-0000-4000-8000-000000000000', '--name', 'refunds', '--autonomy', 'sometimes'], target.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--autonomy must be one of auto, suggest_handoff, human_review, got 'sometimes'.");
    const help = await runCli(['topic', '--help'], target.env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('backstop topic set --site');
  });
});
