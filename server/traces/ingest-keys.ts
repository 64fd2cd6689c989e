/**
 * Which site a secret ingest key (`Authorization: Bearer sk_…`) belongs to. Only the key's sha256 is
 * stored (table `ingest_keys`). A key that is found is never cached: every request reads its row, so a
 * revoked key stops working at once on every instance. Misses are cached briefly, so a stream of wrong keys
 * costs one query per key and TTL; a miss cannot hide a new key, because a new key was never asked for before.
 *
 * `last_used_at` is written at most once a minute per key and instance, after the answer (not awaited),
 * and the update itself skips rows written in the last minute by another instance.
 */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { ingestKeys } from '../db/schema';
import { sameDigest, sha256 } from '../domain/secrets';

/** The site id a key belongs to, or null. */
export interface IngestKeyCache {
  siteFor(key: string): Promise<string | null>;
  /** Resolves when the pending `last_used_at` writes are done (tests, shutdown). */
  flush(): Promise<void>;
}

/** How often a key's `last_used_at` is written at most. */
export const LAST_USED_EVERY_MS = 60_000;

/** `Bearer sk_…` → `sk_…`; null for anything else. */
export function bearerKey(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S{1,200})\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}

export function createIngestKeyCache(db: Db, opts: { missTtlMs?: number; ttlMs?: number } = {}): IngestKeyCache {
  const missTtlMs = opts.missTtlMs ?? opts.ttlMs ?? 5000;
  const misses = new Map<string, number>();
  const touchedAt = new Map<string, number>();
  const pending = new Set<Promise<unknown>>();

  const touch = (keyId: string) => {
    const now = Date.now();
    if (now - (touchedAt.get(keyId) ?? 0) < LAST_USED_EVERY_MS) return;
    if (touchedAt.size > 10_000) touchedAt.clear();
    touchedAt.set(keyId, now);
    const write = db
      .update(ingestKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(ingestKeys.id, keyId), or(isNull(ingestKeys.lastUsedAt), lt(ingestKeys.lastUsedAt, sql`now() - interval '1 minute'`))))
      // Only a convenience for people: a failed write must not fail or slow the request.
      .catch(() => {})
      .finally(() => pending.delete(write));
    pending.add(write);
  };

  return {
    async siteFor(key) {
      if (!key.startsWith('sk_')) return null;
      const digest = sha256(key);
      const missUntil = misses.get(digest);
      if (missUntil !== undefined && missUntil > Date.now()) return null;
      const [row] = await db
        .select({ id: ingestKeys.id, siteId: ingestKeys.siteId, hash: ingestKeys.keyHash })
        .from(ingestKeys)
        .where(and(eq(ingestKeys.keyHash, digest), isNull(ingestKeys.revokedAt)))
        .limit(1);
      // Compared again in constant time, so the answer never rests on how the database compared strings.
      if (row && sameDigest(row.hash, digest)) {
        touch(row.id);
        return row.siteId;
      }
      if (misses.size > 10_000) misses.clear();
      if (missTtlMs > 0) misses.set(digest, Date.now() + missTtlMs);
      return null;
    },
    async flush() {
      await Promise.all([...pending]);
    },
  };
}
