/**
 * Which site a secret ingest key (`Authorization: Bearer sk_…`) belongs to. Only the key's sha256 is
 * stored; lookups are cached briefly (as the public-key cache in domain/sites.ts does), including misses,
 * so a busy exporter or a stream of wrong keys costs one query per key and TTL.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { sites } from '../db/schema';
import { sameDigest, sha256 } from '../domain/secrets';

/** The site id a key belongs to, or null. */
export interface IngestKeyCache {
  siteFor(key: string): Promise<string | null>;
}

/** `Bearer sk_…` → `sk_…`; null for anything else. */
export function bearerKey(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S{1,200})\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}

export function createIngestKeyCache(db: Db, opts: { ttlMs?: number } = {}): IngestKeyCache {
  const ttlMs = opts.ttlMs ?? 5000;
  const entries = new Map<string, { siteId: string | null; until: number }>();
  return {
    async siteFor(key) {
      if (!key.startsWith('sk_')) return null;
      const digest = sha256(key);
      const hit = entries.get(digest);
      if (hit && hit.until > Date.now()) return hit.siteId;
      const rows = await db.select({ id: sites.id, hash: sites.ingestKeyHash }).from(sites).where(eq(sites.ingestKeyHash, digest)).limit(1);
      // Compared again in constant time, so the answer never rests on how the database compared strings.
      const siteId = rows[0] && sameDigest(rows[0].hash, digest) ? rows[0].id : null;
      if (entries.size > 10_000) entries.clear();
      entries.set(digest, { siteId, until: Date.now() + ttlMs });
      return siteId;
    },
  };
}
