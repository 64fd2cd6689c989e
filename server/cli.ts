/** The `backstop` command line: start the server, create sites and staff, export data. */
import { parseArgs } from 'node:util';
import { DataDirBusyError } from './db/data-dir-lock';
import { DatabaseOpenError, openDatabase, type Database } from './db/client';
import { EnvError, databaseOptions, parseEnv, type Env } from './env';
import { allowOrigins, createSite, findSite } from './domain/sites';
import { normalizeOrigin } from './domain/origins';
import { addStaffToSites, createStaff, staffRoles } from './domain/staff';
import { generatePassword } from './domain/secrets';
import { runCaseExport, runExport } from './export-command';
import { FAILURE_MODE_IDS, type FailureMode } from '../shared/traces';
import { webhookUrlProblem } from '../shared/webhooks';
import { setSiteWebhook } from './webhooks/config';
import { setSiteRedaction } from './domain/redact-signals';
import { startServer } from './start';
import { AUDIT_HELP, auditCommand, CommandUsageError, IDENTITY_SECRET_HELP, identitySecretCommand, KEY_HELP, keyCommand, staffDisableCommand } from './security-commands';
import { setIdentityMode } from './domain/identity-secrets';
import { IDENTITY_MODES, type IdentityMode } from '../shared/identity';
import { CLI_ACTOR, recordAudit } from './domain/audit';
import { TOPIC_HELP, topicCommand } from './topic-commands';
import { DEMO_HELP, demoCommand } from './demo-command';
import { READINESS_HELP, readinessCommand } from './readiness-command';

const HELP: Record<string, string> = {
  main: `Usage: backstop <command> [options]

Commands:
  start                         Start the server (widget, API, console, demo) on PORT (default 4000)
  site create                   Create a site and print its public and secret keys
  site add-origin               Allow another origin (website) to embed a site's widget
  site webhook                  Set or remove a site's webhook (escalation events, signed)
  site set                      Change a site's settings (--redact on|off, --identity-mode optional|required)
  site identity-secret          Rotate, list or revoke the secrets end-user identity tokens are signed with
  staff create                  Create a staff account (admin, agent or reviewer)
  staff disable | enable        Stop an account signing in (its sessions end at once), or let it again
  key create | list | revoke    A site's secret ingest keys (named, revocable)
  audit                         Print the audit log (who changed what, when, from where)
  topic list | set | default    A site's topics: failure cost, autonomy, success criterion; the default autonomy
  demo seed                     Give the demo site six weeks of believable history (answers, ratings, drafts, traces)
  readiness                     Production-readiness checks from a site's data (exit 1 on any fail)
  export feedback               Write stored feedback to stdout (jsonl or csv)
  export cases                  Write review cases as an eval dataset to stdout (jsonl or csv)

Run 'backstop <command> --help' for a command's options.

Environment:
  PORT (4000), HOST (localhost), DATA_DIR (./data, embedded database),
  DATABASE_URL (postgres://…, use PostgreSQL instead), DATABASE_SCHEMA, PUBLIC_URL, LOG_LEVEL,
  RATE_LIMIT (on), RATE_LIMIT_REDIS_URL, RATE_LIMIT_WINDOW_SECONDS (60), RATE_LIMIT_PER_IP (1200),
  RATE_LIMIT_PER_SITE_CLIENT (600), RATE_LIMIT_PER_CONVERSATION (60), TRUST_PROXY (off), ALLOW_OPEN_SITES (off)`,
  start: `Usage: backstop start [--port N]

Starts the server. The first start creates a demo site and an admin account and prints its password.`,
  site: `Usage: backstop site create --name NAME --origin URL [--origin URL…] [--allow-server-senders] [--redact on|off] [--json]
       backstop site add-origin --site SITE_ID|pk_… --origin URL [--origin URL…]
       backstop site set --site SITE_ID|pk_… [--redact on|off] [--identity-mode optional|required]
       backstop site identity-secret rotate|list|revoke --site SITE_ID|pk_… (see site identity-secret --help)

site create: creates a site whose widget may be embedded on the given origins (e.g. https://app.example.com).
Prints the public site key (pk_…, for the script tag) and the secret ingest key (sk_…, shown once).
  --allow-server-senders  also accept widget API calls without an Origin header (from your servers or scripts)
  --redact on|off         replace personal data and secrets by placeholders before storage (default on)
  --json                  print exactly one JSON object: {"siteId","publicKey","ingestKey"}
       backstop site webhook --site SITE_ID|pk_… (--url URL [--rotate-secret] | --remove)

site add-origin: adds origins to an existing site's allowlist.
site set --identity-mode: 'optional' (default) keeps unverified identify calls as claims, shown to staff as
  unverified; 'required' ignores them (the conversation stays anonymous). Verified identities work in both.
site set --redact: switches redaction (emails, phones, cards, IBANs, keys and tokens in messages, feedback,
  notes and span attributes) for what is stored from now on; running servers follow within 5 seconds.
site webhook: POSTs escalation.created and escalation.resolved to an http(s) URL, signed with HMAC-SHA256.
  The signing secret is printed once when it is generated (first --url, or --rotate-secret); changing
  the URL keeps the secret. --remove stops deliveries (pending ones are dropped).`,
  staff: `Usage: backstop staff create --email EMAIL --role admin|agent|reviewer [--site SITE_ID…] [--name NAME]
       backstop staff disable --email EMAIL
       backstop staff enable --email EMAIL

--site (repeatable) makes the account a member of a site: staff see and work only their sites.
--name is the name end users see ("Maya from Support joined"); default: the email's first part.
The password is read from stdin when it is piped (echo "$PW" | backstop staff create …);
otherwise one is generated and printed once.
staff disable: the account cannot sign in (the same answer as a wrong password) and its sessions end at once.`,
  key: KEY_HELP,
  audit: AUDIT_HELP,
  topic: TOPIC_HELP,
  demo: DEMO_HELP,
  readiness: READINESS_HELP,
  export: `Usage: backstop export feedback [--site SITE_ID|pk_…] [--since ISO_TIME] [--format jsonl|csv]
       backstop export cases [--site SITE_ID|pk_…] [--mode MODE] [--since ISO_TIME] [--format jsonl|csv]

export feedback: every stored feedback item (jsonl by default: one JSON object per line with
id, siteId, conversationId, messageId, traceId, rating, reasons, comment, confidence, topic, createdAt).
export cases: the eval dataset, newest first: per rated answer or escalation, the user's input, earlier turns,
the answer, confidence, topic, rating, failure modes with rationale and confidence, the reviewer's label and
note, a person's correction (the first staff message before the agent's next answer), and the trace in brief
(model, tokens, tools with status). CSV holds nested fields as JSON, then a confidence column per failure mode.
  --site   a site's id or public key (default: every site)
  --mode   only cases counted under one failure mode (${FAILURE_MODE_IDS.join(', ')})
  --since  only cases from this ISO date or time on (2026-01-31, 2026-01-31T09:00:00Z)
Progress goes to stderr. Works on the embedded database while the server is stopped, and on PostgreSQL at any time.`,
};

class UsageError extends Error {}

async function withDatabase<T>(env: Env, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(databaseOptions(env));
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (!command || command === 'help' || (wantsHelp && !command)) {
    console.log(HELP.main);
    return command ? 0 : 1;
  }
  if (wantsHelp) {
    console.log(command === 'site' && sub === 'identity-secret' ? IDENTITY_SECRET_HELP : (HELP[command] ?? HELP.main));
    return 0;
  }
  const env = parseEnv();
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: argv.slice(1), options: { port: { type: 'string' } }, strict: true });
      const effective = values.port ? parseEnv({ ...process.env, PORT: values.port }) : env;
      await startServer(effective);
      return -1; // keeps running
    }
    case 'site': {
      if (sub === 'add-origin') return addOrigin(env, argv.slice(2));
      if (sub === 'webhook') return siteWebhook(env, argv.slice(2));
      if (sub === 'set') return siteSet(env, argv.slice(2));
      if (sub === 'identity-secret') {
        return identitySecretCommand((fn) => withDatabase(env, (d) => fn(d.db)), argv[2], argv.slice(3));
      }
      if (sub !== 'create') throw new UsageError(HELP.site);
      const { values } = parseArgs({
        args: argv.slice(2),
        options: {
          name: { type: 'string' },
          origin: { type: 'string', multiple: true },
          'allow-server-senders': { type: 'boolean' },
          redact: { type: 'string' },
          json: { type: 'boolean' },
        },
        strict: true,
      });
      if (!values.name?.trim()) throw new UsageError('site create needs --name NAME.\n\n' + HELP.site);
      if (!values.origin?.length) throw new UsageError('site create needs at least one --origin URL.\n\n' + HELP.site);
      const allowServerSenders = values['allow-server-senders'] ?? false;
      const redact = values.redact === undefined ? true : onOff('--redact', values.redact);
      const created = await withDatabase(env, async (d) => {
        const site = await createSite(d.db, { name: values.name!.trim(), origins: values.origin!, allowServerSenders });
        // Sites are created redacting (the column's default); switched off only when asked.
        if (!redact) await setSiteRedaction(d.db, site.siteId, false);
        await recordAudit(d.db, CLI_ACTOR, { action: 'site.create', siteId: site.siteId, targetType: 'site', targetId: site.siteId, details: { name: values.name!.trim(), redact } });
        return site;
      });
      if (values.json) console.log(JSON.stringify(created));
      else
        console.log(
          `Site created: ${created.siteId}\n  public key (script tag): ${created.publicKey}\n  secret ingest key (shown once, keep it secret): ${created.ingestKey}`,
        );
      return 0;
    }
    case 'key':
      return keyCommand((fn) => withDatabase(env, (d) => fn(d.db)), sub, argv.slice(2));
    case 'audit':
      return auditCommand((fn) => withDatabase(env, (d) => fn(d.db)), argv.slice(1));
    case 'topic':
      return topicCommand((fn) => withDatabase(env, (d) => fn(d.db)), sub, argv.slice(2));
    case 'demo':
      return demoCommand((fn) => withDatabase(env, (d) => fn(d.db)), sub, argv.slice(2));
    case 'readiness':
      return readinessCommand((fn) => withDatabase(env, (d) => fn(d.db)), argv.slice(1));
    case 'staff': {
      if (sub === 'disable' || sub === 'enable') return staffDisableCommand((fn) => withDatabase(env, (d) => fn(d.db)), sub === 'disable', argv.slice(2));
      if (sub !== 'create') throw new UsageError(HELP.staff);
      const { values } = parseArgs({
        args: argv.slice(2),
        options: { email: { type: 'string' }, role: { type: 'string' }, site: { type: 'string', multiple: true }, name: { type: 'string' } },
        strict: true,
      });
      if (!values.email) throw new UsageError('staff create needs --email EMAIL.\n\n' + HELP.staff);
      if (!staffRoles.includes(values.role as never)) throw new UsageError(`--role must be one of ${staffRoles.join(', ')}.\n\n` + HELP.staff);
      const siteIds = [...new Set(values.site ?? [])];
      const badSite = siteIds.find((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
      if (badSite) throw new UsageError(`--site must be a site id (a UUID, as printed by site create); got '${badSite}'.`);
      const piped = await readStdin();
      const password = piped || generatePassword();
      const created = await withDatabase(env, (d) =>
        d.db.transaction(async (tx) => {
          const row = await createStaff(tx as never, { email: values.email!, role: values.role as never, password, displayName: values.name });
          await addStaffToSites(tx as never, row.id, siteIds);
          await recordAudit(tx as never, CLI_ACTOR, { action: 'staff.create', targetType: 'staff', targetId: row.id, details: { email: row.email, role: row.role, siteIds } });
          return row;
        }),
      );
      console.log(`Staff account created: ${created.email} (${created.role})${siteIds.length ? `, member of ${siteIds.length} site(s)` : ', member of no site yet'}`);
      if (!piped) console.log(`  password (shown once): ${password}`);
      return 0;
    }
    case 'export': {
      if (sub === 'cases') return exportCasesCommand(env, argv.slice(2));
      if (sub !== 'feedback') throw new UsageError(HELP.export);
      const { values } = parseArgs({
        args: argv.slice(2),
        options: { site: { type: 'string' }, since: { type: 'string' }, format: { type: 'string', default: 'jsonl' } },
        strict: true,
      });
      if (values.format !== 'jsonl' && values.format !== 'csv') throw new UsageError(`--format must be jsonl or csv, got '${values.format}'.`);
      await withDatabase(env, async (d) => {
        const siteId = await exportSiteId(d.db, values.site);
        return runExport(d.db, { siteId, since: values.since, format: values.format as 'jsonl' | 'csv' });
      });
      return 0;
    }
    default:
      throw new UsageError(`Unknown command '${command}'.\n\n${HELP.main}`);
  }
}

/** `export cases`: checks every flag before opening the database (the site, which needs it, first thing after), so a typo costs nothing. */
async function exportCasesCommand(env: Env, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { site: { type: 'string' }, mode: { type: 'string' }, since: { type: 'string' }, format: { type: 'string', default: 'jsonl' } },
    strict: true,
  });
  if (values.format !== 'jsonl' && values.format !== 'csv') throw new UsageError(`--format must be jsonl or csv, got '${values.format}'.`);
  if (values.mode !== undefined && !FAILURE_MODE_IDS.includes(values.mode as FailureMode))
    throw new UsageError(`--mode must be one of ${FAILURE_MODE_IDS.join(', ')}, got '${values.mode}'.`);
  const since = sinceFlag(values.since);
  await withDatabase(env, async (d) => {
    const siteId = await exportSiteId(d.db, values.site);
    return runCaseExport(d.db, { siteId, mode: values.mode as FailureMode | undefined, since }, values.format as 'jsonl' | 'csv');
  });
  return 0;
}

/** An export's `--site`, by id or public key as every command takes it; absent means every site. An unknown site is a usage error, not an empty export. */
async function exportSiteId(db: Database['db'], idOrKey: string | undefined): Promise<string | undefined> {
  if (idOrKey === undefined) return undefined;
  const site = await findSite(db, idOrKey);
  if (!site) throw new UsageError(`No site with id or key '${idOrKey}'.`);
  return site.id;
}

/** `--since`: an ISO 8601 date or time (2026-01-31, 2026-01-31T09:00:00Z); `new Date` alone takes '1' or rolls Feb 30 over into March. */
function sinceFlag(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const iso = /^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/i.exec(value.trim());
  // A date-time without an offset is UTC, as everywhere in Review (Date would read it in this machine's zone).
  const text = value.trim();
  const since = new Date(/T[^Z+-]*$/i.test(text) ? `${text}Z` : text);
  const day = iso ? new Date(`${iso[1]}T00:00:00Z`) : null;
  const realDay = day !== null && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(iso![1]!);
  if (!realDay || Number.isNaN(since.getTime())) throw new UsageError(`--since must be an ISO time, a date like 2026-01-31 or a time like 2026-01-31T09:00:00Z, got '${value}'.`);
  return since;
}

/** `site add-origin`: adds origins to a site named by id or public key. */
async function addOrigin(env: Env, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, origin: { type: 'string', multiple: true } }, strict: true });
  if (!values.site) throw new UsageError('site add-origin needs --site SITE_ID or --site pk_….\n\n' + HELP.site);
  if (!values.origin?.length) throw new UsageError('site add-origin needs at least one --origin URL.\n\n' + HELP.site);
  const origins = values.origin.map((o) => {
    const normalized = normalizeOrigin(o);
    if (!normalized) throw new UsageError(`Not an http(s) origin: ${JSON.stringify(o)}`);
    return normalized;
  });
  const site = await withDatabase(env, async (d) => {
    const found = await findSite(d.db, values.site!);
    if (found) await allowOrigins(d.db, found.id, origins);
    return found;
  });
  if (!site) throw new UsageError(`No site with id or key '${values.site}'.`);
  console.log(`Site '${site.name}' now allows ${[...new Set([...site.allowedOrigins, ...origins])].join(', ')}`);
  return 0;
}

/** `on`/`off` (also true/false, 1/0) of a flag, or a usage error naming it. */
function onOff(flag: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new UsageError(`${flag} must be on or off, got '${value}'.`);
}

/** `site set`: changes a site's settings (today: redaction before storage). */
async function siteSet(env: Env, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, redact: { type: 'string' }, 'identity-mode': { type: 'string' } }, strict: true });
  if (!values.site) throw new UsageError('site set needs --site SITE_ID or --site pk_….\n\n' + HELP.site);
  if (values.redact === undefined && values['identity-mode'] === undefined)
    throw new UsageError('site set needs a setting to change: --redact on|off or --identity-mode optional|required.\n\n' + HELP.site);
  const redact = values.redact === undefined ? undefined : onOff('--redact', values.redact);
  const mode = values['identity-mode'];
  if (mode !== undefined && !(IDENTITY_MODES as readonly string[]).includes(mode))
    throw new UsageError(`--identity-mode must be ${IDENTITY_MODES.join(' or ')}, got '${mode}'.`);
  const site = await withDatabase(env, async (d) => {
    const found = await findSite(d.db, values.site!);
    if (found && redact !== undefined) await setSiteRedaction(d.db, found.id, redact);
    if (found && mode !== undefined) await setIdentityMode(d.db, CLI_ACTOR, found.id, mode as IdentityMode);
    return found;
  });
  if (!site) throw new UsageError(`No site with id or key '${values.site}'.`);
  if (redact !== undefined)
    console.log(
      redact
        ? `Site '${site.name}': personal data and secrets are replaced by placeholders before storage (redaction on).`
        : `Site '${site.name}': messages, feedback, notes and span attributes are stored as sent (redaction off); logs stay redacted.`,
    );
  if (mode === 'required') console.log(`Site '${site.name}': identify calls without a valid token are ignored (identity mode required).`);
  if (mode === 'optional') console.log(`Site '${site.name}': identify calls without a valid token are kept as claims, shown to staff as unverified (identity mode optional).`);
  return 0;
}

/** `site webhook`: sets or removes a site's webhook; prints a newly generated secret once. */
async function siteWebhook(env: Env, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { site: { type: 'string' }, url: { type: 'string' }, remove: { type: 'boolean' }, 'rotate-secret': { type: 'boolean' } },
    strict: true,
  });
  if (!values.site) throw new UsageError('site webhook needs --site SITE_ID or --site pk_….\n\n' + HELP.site);
  if (Boolean(values.url) === Boolean(values.remove)) throw new UsageError('site webhook needs either --url URL or --remove.\n\n' + HELP.site);
  const url = values.url?.trim() ?? null;
  const problem = url === null ? null : webhookUrlProblem(url);
  if (problem) throw new UsageError(`--url ${problem}.`);
  const result = await withDatabase(env, async (d) => {
    const found = await findSite(d.db, values.site!);
    return found ? { site: found, ...(await setSiteWebhook(d.db, found.id, url, { rotateSecret: values['rotate-secret'] })) } : null;
  });
  if (!result) throw new UsageError(`No site with id or key '${values.site}'.`);
  if (result.url === null) {
    console.log(`Site '${result.site.name}' has no webhook now.`);
    return 0;
  }
  console.log(`Site '${result.site.name}' sends escalation.created and escalation.resolved to ${result.url}`);
  if (result.secret) console.log(`  signing secret (shown once, keep it secret): ${result.secret}`);
  else console.log('  the signing secret is unchanged (--rotate-secret makes a new one)');
  return 0;
}

/** Runs the CLI and turns known failures into one clear line and exit code. */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  try {
    const code = await main(argv);
    if (code >= 0) process.exitCode = code;
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandUsageError || err instanceof EnvError || err instanceof DataDirBusyError || err instanceof DatabaseOpenError) console.error(err.message);
    else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`${(err as Error).message}\nRun 'backstop --help' for usage.`);
    else console.error(`backstop: ${(err as Error).message}`);
    // Usage mistakes (bad or unknown flags) exit with 2, failures with 1, as shells and scripts expect.
    const usage = err instanceof UsageError || err instanceof CommandUsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.exitCode = usage ? 2 : 1;
  }
}
