/**
 * A site's identity secrets: the keys its server signs end-user identity tokens with. The secret is kept
 * in clear (verification needs it) and shown once, in the answer that created it. Rotation makes a new
 * current secret and gives the old ones a grace period (tokens made just before keep working); revocation
 * ends a secret at once. Every change is audited in its transaction.
 */
import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { DEFAULT_GRACE_HOURS, type CreatedIdentitySecret, type IdentityMode, type IdentitySecretInfo } from '../../shared/identity';
import type { Db } from '../db/client';
import { siteIdentitySecrets, sites, staff } from '../db/schema';
import { recordAudit, type Actor } from './audit';
import { FieldError } from './errors';
import type { UsableSecret } from './identity';
import { randomToken } from './secrets';

/** A new identity secret: 256 random bits, url-safe, recognisable in a leaked-secret scan. */
export const newIdentitySecret = () => `idsec_${randomToken(32)}`;

const HOUR_MS = 3_600_000;

/** The secrets that verify tokens at `now`: the current one and those still in their grace period. */
export async function usableSecrets(db: Db, siteId: string, now = new Date()): Promise<UsableSecret[]> {
  return db
    .select({ secret: siteIdentitySecrets.secret, expiresAt: siteIdentitySecrets.expiresAt })
    .from(siteIdentitySecrets)
    .where(and(eq(siteIdentitySecrets.siteId, siteId), or(isNull(siteIdentitySecrets.expiresAt), gt(siteIdentitySecrets.expiresAt, now))));
}

/**
 * Makes a new current secret. Secrets that were current (and any still in a longer grace) now expire
 * `graceHours` from now; with 0 they stop at once. The answer is the only place the new secret is shown.
 */
export async function rotateIdentitySecret(db: Db, who: Actor, siteId: string, graceHours = DEFAULT_GRACE_HOURS, now = new Date()): Promise<CreatedIdentitySecret> {
  const graceEnd = new Date(now.getTime() + graceHours * HOUR_MS);
  const secret = newIdentitySecret();
  const row = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const ended = await t
      .update(siteIdentitySecrets)
      .set({ expiresAt: graceEnd })
      .where(and(eq(siteIdentitySecrets.siteId, siteId), or(isNull(siteIdentitySecrets.expiresAt), gt(siteIdentitySecrets.expiresAt, graceEnd))))
      .returning({ id: siteIdentitySecrets.id });
    const [inserted] = await t.insert(siteIdentitySecrets).values({ siteId, secret, createdBy: who.staffId, createdAt: now }).returning();
    await recordAudit(t, who, {
      action: ended.length ? 'identity_secret.rotate' : 'identity_secret.create',
      siteId,
      targetType: 'identity_secret',
      targetId: inserted!.id,
      details: { graceHours, previous: ended.map((e) => e.id) },
    });
    return inserted!;
  });
  return { ...toInfo({ ...row, createdByEmail: who.staffId ? who.actor : null }, now), secret };
}

/** The site's secrets, oldest first, expired ones included (marked), never the secrets themselves. */
export async function listIdentitySecrets(db: Db, siteId: string, now = new Date()): Promise<IdentitySecretInfo[]> {
  const rows = await db
    .select({ id: siteIdentitySecrets.id, createdAt: siteIdentitySecrets.createdAt, expiresAt: siteIdentitySecrets.expiresAt, createdByEmail: staff.email })
    .from(siteIdentitySecrets)
    .leftJoin(staff, eq(staff.id, siteIdentitySecrets.createdBy))
    .where(eq(siteIdentitySecrets.siteId, siteId))
    .orderBy(asc(siteIdentitySecrets.createdAt), asc(siteIdentitySecrets.id));
  return rows.map((r) => toInfo(r, now));
}

/** Ends a secret of the site at once (tokens made with it stop verifying). NOT_FOUND for another site's secret. */
export async function revokeIdentitySecret(db: Db, who: Actor, siteId: string, secretId: string, now = new Date()): Promise<IdentitySecretInfo> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t
      .select({ id: siteIdentitySecrets.id, createdAt: siteIdentitySecrets.createdAt, expiresAt: siteIdentitySecrets.expiresAt })
      .from(siteIdentitySecrets)
      .where(and(eq(siteIdentitySecrets.id, secretId), eq(siteIdentitySecrets.siteId, siteId)));
    if (!row) throw new FieldError('NOT_FOUND', `No identity secret with id '${secretId}' on this site.`);
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return toInfo({ ...row, createdByEmail: null }, now);
    await t.update(siteIdentitySecrets).set({ expiresAt: now }).where(eq(siteIdentitySecrets.id, secretId));
    await recordAudit(t, who, { action: 'identity_secret.revoke', siteId, targetType: 'identity_secret', targetId: secretId });
    return toInfo({ ...row, expiresAt: now, createdByEmail: null }, now);
  });
}

/** Sets the site's identity mode; audited with the mode before and after. Running servers follow within seconds (site cache). */
export async function setIdentityMode(db: Db, who: Actor, siteId: string, mode: IdentityMode): Promise<{ mode: IdentityMode }> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [before] = await t.select({ mode: sites.identityMode }).from(sites).where(eq(sites.id, siteId)).for('update');
    if (!before) throw new FieldError('NOT_FOUND', `No site with id '${siteId}'.`);
    await t.update(sites).set({ identityMode: mode }).where(eq(sites.id, siteId));
    await recordAudit(t, who, { action: 'site.identity_mode', siteId, targetType: 'site', targetId: siteId, details: { before: before.mode, after: mode } });
    return { mode };
  });
}

/** The site's identity mode, read fresh (not from the site cache). */
export async function identityModeOf(db: Db, siteId: string): Promise<IdentityMode | null> {
  const [row] = await db.select({ mode: sites.identityMode }).from(sites).where(eq(sites.id, siteId));
  return row?.mode ?? null;
}

function toInfo(row: { id: string; createdAt: Date; expiresAt: Date | null; createdByEmail: string | null }, now: Date): IdentitySecretInfo {
  const state = row.expiresAt === null ? 'current' : row.expiresAt.getTime() > now.getTime() ? 'grace' : 'expired';
  return { id: row.id, createdAt: row.createdAt.toISOString(), createdBy: row.createdByEmail, expiresAt: row.expiresAt?.toISOString() ?? null, state };
}

