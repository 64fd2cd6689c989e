/**
 * The command line's security commands: ingest keys (`key create|list|revoke`), disabling accounts
 * (`staff disable|enable`) and reading the audit log (`audit`). Every change is audited with actor `cli`.
 */
import { parseArgs } from 'node:util';
import type { Db } from './db/client';
import { CLI_ACTOR, listAudit } from './domain/audit';
import { createIngestKey, listIngestKeys, revokeIngestKey } from './domain/ingest-keys';
import { listIdentitySecrets, revokeIdentitySecret, rotateIdentitySecret } from './domain/identity-secrets';
import { DEFAULT_GRACE_HOURS, MAX_GRACE_HOURS } from '../shared/identity';
import { FieldError } from './domain/errors';
import { findSite } from './domain/sites';
import { setStaffDisabled, staffIdByEmail } from './domain/staff';
import { sites } from './db/schema';

export const KEY_HELP = `Usage: backstop key create --site SITE_ID|pk_… [--name NAME] [--json]
       backstop key list --site SITE_ID|pk_… [--json]
       backstop key revoke --site SITE_ID|pk_… --key KEY_ID

A site's secret ingest keys (sk_…), for agent backends sending traces to /v1/traces or trace.record.
key create: a new named key (default name: cli), printed once; only its hash is stored.
key list: the keys' ids, names, creation, last use (written at most once a minute) and revocation.
key revoke: the key stops working at once, on every server instance.`;

export const IDENTITY_SECRET_HELP = `Usage: backstop site identity-secret rotate --site SITE_ID|pk_… [--grace-hours N] [--json]
       backstop site identity-secret list --site SITE_ID|pk_… [--json]
       backstop site identity-secret revoke --site SITE_ID|pk_… --secret SECRET_ID

The secrets your server signs end-user identity tokens with (a JWT with HS256, or the HMAC-SHA256 of the user id).
rotate: makes a new current secret, printed once. Secrets that were current stay valid for --grace-hours
  (default ${DEFAULT_GRACE_HOURS}, at most ${MAX_GRACE_HOURS}; 0 ends them at once), so tokens your servers made just before keep working.
  The first rotate of a site simply creates its first secret.
list: the secrets' ids, creation and expiry (never the secrets).
revoke: the secret stops verifying tokens at once, on every server instance.`;

export const AUDIT_HELP = `Usage: backstop audit [--site SITE_ID|pk_…] [--limit N] [--json]

The audit log, newest first: who (staff email, or cli), what (action and target), when, and from where.
Without --site: every site's rows and the actions outside any site (accounts, sign-ins). --limit (default 50, at most 1000).
--json prints one JSON object per line.`;

/** A refusal of the operator's input (exit code 2). */
export class CommandUsageError extends Error {}

type WithDb = <T>(fn: (db: Db) => Promise<T>) => Promise<T>;

async function siteOf(db: Db, idOrKey: string | undefined, command: string) {
  if (!idOrKey) throw new CommandUsageError(`${command} needs --site SITE_ID or --site pk_….\n\n${KEY_HELP}`);
  const site = await findSite(db, idOrKey);
  if (!site) throw new CommandUsageError(`No site with id or key '${idOrKey}'.`);
  return site;
}

/** `key create|list|revoke`. */
export async function keyCommand(withDb: WithDb, sub: string | undefined, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, name: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  if (sub === 'create') {
    const name = (values.name ?? 'cli').trim();
    if (!name || name.length > 60) throw new CommandUsageError('--name must be 1 to 60 characters.');
    const created = await withDb(async (db) => {
      const site = await siteOf(db, values.site, 'key create');
      return { site, key: await createIngestKey(db, CLI_ACTOR, site.id, name) };
    });
    if (values.json) console.log(JSON.stringify({ siteId: created.site.id, keyId: created.key.id, name: created.key.name, ingestKey: created.key.key }));
    else console.log(`Ingest key '${created.key.name}' created for site '${created.site.name}' (id ${created.key.id})\n  secret ingest key (shown once, keep it secret): ${created.key.key}`);
    return 0;
  }
  if (sub === 'list') {
    const keys = await withDb(async (db) => listIngestKeys(db, (await siteOf(db, values.site, 'key list')).id));
    if (values.json) for (const k of keys) console.log(JSON.stringify(k));
    else
      for (const k of keys)
        console.log(`${k.id}  ${k.name}  created ${k.createdAt}${k.createdBy ? ` by ${k.createdBy}` : ''}  last used ${k.lastUsedAt ?? 'never'}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ''}`);
    return 0;
  }
  if (sub === 'revoke') {
    if (!values.key || !/^[0-9a-f-]{36}$/i.test(values.key)) throw new CommandUsageError(`key revoke needs --key KEY_ID (an id from key list).\n\n${KEY_HELP}`);
    const revoked = await withDb(async (db) => revokeIngestKey(db, CLI_ACTOR, (await siteOf(db, values.site, 'key revoke')).id, values.key!)).catch((err) => {
      if (err instanceof FieldError) throw new CommandUsageError(err.message);
      throw err;
    });
    console.log(`Ingest key '${revoked.name}' revoked at ${revoked.revokedAt}; it no longer works.`);
    return 0;
  }
  throw new CommandUsageError(KEY_HELP);
}

/** `site identity-secret rotate|list|revoke`. */
export async function identitySecretCommand(withDb: WithDb, sub: string | undefined, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, 'grace-hours': { type: 'string' }, secret: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const siteFor = async (db: Db, command: string) => {
    if (!values.site) throw new CommandUsageError(`${command} needs --site SITE_ID or --site pk_….\n\n${IDENTITY_SECRET_HELP}`);
    return siteOf(db, values.site, command);
  };
  if (sub === 'rotate') {
    const grace = values['grace-hours'] === undefined ? DEFAULT_GRACE_HOURS : Number(values['grace-hours']);
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_HOURS)
      throw new CommandUsageError(`--grace-hours must be a whole number from 0 to ${MAX_GRACE_HOURS}, got '${values['grace-hours']}'.`);
    const { site, created } = await withDb(async (db) => {
      const site = await siteFor(db, 'site identity-secret rotate');
      return { site, created: await rotateIdentitySecret(db, CLI_ACTOR, site.id, grace) };
    });
    if (values.json) console.log(JSON.stringify({ siteId: site.id, secretId: created.id, secret: created.secret, graceHours: grace }));
    else
      console.log(
        `New identity secret for site '${site.name}' (id ${created.id}); earlier secrets stay valid for ${grace} hour(s).\n` +
          `  identity secret (shown once, keep it on your servers only): ${created.secret}`,
      );
    return 0;
  }
  if (sub === 'list') {
    const secrets = await withDb(async (db) => listIdentitySecrets(db, (await siteFor(db, 'site identity-secret list')).id));
    for (const s of secrets) {
      if (values.json) console.log(JSON.stringify(s));
      else console.log(`${s.id}  ${s.state.toUpperCase()}  created ${s.createdAt}${s.createdBy ? ` by ${s.createdBy}` : ''}${s.expiresAt ? `  expires ${s.expiresAt}` : ''}`);
    }
    return 0;
  }
  if (sub === 'revoke') {
    if (!values.secret || !/^[0-9a-f-]{36}$/i.test(values.secret)) throw new CommandUsageError(`site identity-secret revoke needs --secret SECRET_ID (an id from list).\n\n${IDENTITY_SECRET_HELP}`);
    const revoked = await withDb(async (db) => revokeIdentitySecret(db, CLI_ACTOR, (await siteFor(db, 'site identity-secret revoke')).id, values.secret!)).catch((err) => {
      if (err instanceof FieldError) throw new CommandUsageError(err.message);
      throw err;
    });
    console.log(`Identity secret ${revoked.id} ended at ${revoked.expiresAt}; tokens signed with it no longer verify.`);
    return 0;
  }
  throw new CommandUsageError(IDENTITY_SECRET_HELP);
}

/** `staff disable|enable --email E`. */
export async function staffDisableCommand(withDb: WithDb, disable: boolean, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' } }, strict: true });
  const verb = disable ? 'disable' : 'enable';
  if (!values.email) throw new CommandUsageError(`staff ${verb} needs --email EMAIL.`);
  const result = await withDb(async (db) => {
    const id = await staffIdByEmail(db, values.email!);
    if (!id) throw new CommandUsageError(`No staff account with email ${values.email}.`);
    return setStaffDisabled(db, CLI_ACTOR, id, disable);
  });
  console.log(disable ? `Staff account ${result.email} is disabled; its sessions have ended.` : `Staff account ${result.email} may sign in again.`);
  return 0;
}

/** `audit [--site] [--limit] [--json]`. */
export async function auditCommand(withDb: WithDb, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { site: { type: 'string' }, limit: { type: 'string', default: '50' }, json: { type: 'boolean' } }, strict: true });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CommandUsageError(`--limit must be a whole number from 1 to 1000, got '${values.limit}'.`);
  const page = await withDb(async (db) => {
    if (values.site) return listAudit(db, { siteIds: [(await siteOf(db, values.site, 'audit')).id], withoutSite: false, limit });
    const all = await db.select({ id: sites.id }).from(sites);
    return listAudit(db, { siteIds: all.map((s) => s.id), withoutSite: true, limit });
  });
  for (const e of page.entries) {
    if (values.json) console.log(JSON.stringify(e));
    else console.log(`${e.createdAt}  ${e.actor}  ${e.action}${e.targetType ? ` ${e.targetType}:${e.targetId}` : ''}${e.ip ? `  from ${e.ip}` : ''}`);
  }
  return 0;
}
