/**
 * Named, revocable secret ingest keys (`sk_…`): a site has any number, each shown once at creation and
 * stored only as its sha256. Revoking sets `revoked_at`; the lookup (traces/ingest-keys.ts) never serves a
 * revoked key, on any instance, from the next request on.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { CreatedIngestKey, IngestKeyInfo } from '../../shared/security';
import type { Db } from '../db/client';
import { ingestKeys, staff } from '../db/schema';
import { recordAudit, type Actor } from './audit';
import { FieldError } from './errors';
import { newIngestKey, sha256 } from './secrets';

/** The name of the key a new site starts with (and of the keys migration 0006 carried over). */
export const DEFAULT_KEY_NAME = 'default';

/** Stores a key's hash under a name; returns the row's id. Used by site creation and by `createIngestKey`. */
export async function insertIngestKey(db: Db, siteId: string, key: string, name = DEFAULT_KEY_NAME, createdBy: string | null = null) {
  const [row] = await db.insert(ingestKeys).values({ siteId, name, keyHash: sha256(key), createdBy }).returning();
  return row!;
}

/** Makes a new key for the site and records who did it, in one transaction. The key is in the answer only. */
export async function createIngestKey(db: Db, who: Actor, siteId: string, name: string): Promise<CreatedIngestKey> {
  const key = newIngestKey();
  const row = await db.transaction(async (tx) => {
    const inserted = await insertIngestKey(tx as unknown as Db, siteId, key, name, who.staffId);
    await recordAudit(tx as unknown as Db, who, { action: 'ingest_key.create', siteId, targetType: 'ingest_key', targetId: inserted.id, details: { name } });
    return inserted;
  });
  return { ...toInfo({ ...row, createdByEmail: who.staffId ? who.actor : null }), key };
}

/** The site's keys, oldest first, revoked ones included (marked), never the keys themselves. */
export async function listIngestKeys(db: Db, siteId: string): Promise<IngestKeyInfo[]> {
  const rows = await db
    .select({
      id: ingestKeys.id,
      name: ingestKeys.name,
      createdAt: ingestKeys.createdAt,
      lastUsedAt: ingestKeys.lastUsedAt,
      revokedAt: ingestKeys.revokedAt,
      createdByEmail: staff.email,
    })
    .from(ingestKeys)
    .leftJoin(staff, eq(staff.id, ingestKeys.createdBy))
    .where(eq(ingestKeys.siteId, siteId))
    .orderBy(asc(ingestKeys.createdAt), asc(ingestKeys.id));
  return rows.map(toInfo);
}

/** Revokes a key of the site at once; revoking it again changes nothing. NOT_FOUND for another site's key. */
export async function revokeIngestKey(db: Db, who: Actor, siteId: string, keyId: string): Promise<IngestKeyInfo> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t.select().from(ingestKeys).where(and(eq(ingestKeys.id, keyId), eq(ingestKeys.siteId, siteId)));
    if (!row) throw new FieldError('NOT_FOUND', `No ingest key with id '${keyId}' on this site.`);
    if (row.revokedAt) return toInfo({ ...row, createdByEmail: null });
    const [revoked] = await t
      .update(ingestKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(ingestKeys.id, keyId), isNull(ingestKeys.revokedAt)))
      .returning();
    await recordAudit(t, who, { action: 'ingest_key.revoke', siteId, targetType: 'ingest_key', targetId: keyId, details: { name: row.name } });
    return toInfo({ ...(revoked ?? row), createdByEmail: null });
  });
}

function toInfo(row: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null; createdByEmail: string | null }): IngestKeyInfo {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdByEmail,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
