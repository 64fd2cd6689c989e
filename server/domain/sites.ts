/** Sites: creation (keys shown once), lookup by public key, and the default widget policy. */
import { eq, sql } from 'drizzle-orm';
import { DEFAULT_THRESHOLDS } from '../../shared/confidence';
import type { SitePolicy } from '../../shared/schemas';
import type { Db } from '../db/client';
import { sites } from '../db/schema';
import { newIngestKey, newPublicKey, sha256 } from './secrets';
import { normalizeOrigin } from './origins';
import { insertIngestKey } from './ingest-keys';

export type Site = typeof sites.$inferSelect;

/** The policy a new site starts with. */
export const DEFAULT_POLICY: SitePolicy = {
  thresholds: DEFAULT_THRESHOLDS,
  title: 'Support',
  greeting: 'Hi! Ask me anything. You can rate each answer, and ask for a person at any time.',
};

export interface CreatedSite {
  siteId: string;
  publicKey: string;
  /** Shown once; only its hash is stored. */
  ingestKey: string;
}

export async function createSite(
  db: Db,
  input: { name: string; origins: string[]; policy?: Partial<SitePolicy>; allowServerSenders?: boolean },
): Promise<CreatedSite> {
  const origins = input.origins.map((o) => {
    const normalized = normalizeOrigin(o);
    if (!normalized) throw new Error(`Not an http(s) origin: ${JSON.stringify(o)}`);
    return normalized;
  });
  const publicKey = newPublicKey();
  const ingestKey = newIngestKey();
  // The site and its first ingest key ('default') commit together. `sites.ingest_key_hash` is still written
  // (the column is NOT NULL until a later migration drops it) but no longer read: keys live in ingest_keys.
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(sites)
      .values({
        name: input.name,
        publicKey,
        ingestKeyHash: sha256(ingestKey),
        allowedOrigins: [...new Set(origins)],
        allowServerSenders: input.allowServerSenders ?? false,
        policy: { ...DEFAULT_POLICY, ...input.policy },
      })
      .returning({ id: sites.id });
    await insertIngestKey(tx as unknown as Db, inserted!.id, ingestKey);
    return inserted;
  });
  return { siteId: row!.id, publicKey, ingestKey };
}

export async function findSiteByPublicKey(db: Db, publicKey: string): Promise<Site | null> {
  const [row] = await db.select().from(sites).where(eq(sites.publicKey, publicKey)).limit(1);
  return row ?? null;
}

/**
 * Whether any site would accept this origin (used to answer CORS preflights, which carry no site key).
 * Sites with an empty allowlist count only where they are served (`allowOpenSites`).
 */
export async function anySiteAllowsOrigin(db: Db, origin: string, allowOpenSites = true): Promise<boolean> {
  const listed = sql`${sites.allowedOrigins} @> ${JSON.stringify([origin])}::jsonb`;
  const rows = await db
    .select({ id: sites.id })
    .from(sites)
    .where(allowOpenSites ? sql`${listed} or ${sites.allowedOrigins} = '[]'::jsonb` : listed)
    .limit(1);
  return rows.length > 0;
}

/** Finds a site by its id or its public key (pk_…), as operators name it on the command line. */
export async function findSite(db: Db, idOrKey: string): Promise<Site | null> {
  if (idOrKey.startsWith('pk_')) return findSiteByPublicKey(db, idOrKey);
  if (!/^[0-9a-f-]{36}$/i.test(idOrKey)) return null;
  const [row] = await db.select().from(sites).where(eq(sites.id, idOrKey)).limit(1);
  return row ?? null;
}

/** Adds origins to a site's allowlist (kept unique). */
export async function allowOrigins(db: Db, siteId: string, origins: string[]): Promise<void> {
  const [site] = await db.select({ allowed: sites.allowedOrigins }).from(sites).where(eq(sites.id, siteId));
  if (!site) throw new Error(`No site with id '${siteId}'`);
  const merged = [...new Set([...site.allowed, ...origins])];
  if (merged.length !== site.allowed.length) await db.update(sites).set({ allowedOrigins: merged }).where(eq(sites.id, siteId));
}

/**
 * A short-lived in-process cache of sites by public key, so the hot ingestion path does not query the
 * site on every request. Entries live `ttlMs`; a changed allowlist takes effect within that time. It
 * also carries the server's rule for sites with an empty allowlist (`allowOpenSites`, default true), so
 * every access check that gets the cache applies the same rule.
 */
export function createSiteCache(db: Db, opts: { ttlMs?: number; allowOpenSites?: boolean } = {}) {
  const ttlMs = opts.ttlMs ?? 5000;
  const allowOpenSites = opts.allowOpenSites ?? true;
  const entries = new Map<string, { site: Site | null; until: number }>();
  const origins = new Map<string, { allowed: boolean; until: number }>();
  return {
    /** Whether sites with an empty origin allowlist are served (local demos). */
    allowOpenSites,
    async byPublicKey(publicKey: string): Promise<Site | null> {
      const hit = entries.get(publicKey);
      if (hit && hit.until > Date.now()) return hit.site;
      const site = await findSiteByPublicKey(db, publicKey);
      if (entries.size > 10_000) entries.clear();
      entries.set(publicKey, { site, until: Date.now() + ttlMs });
      return site;
    },
    async originKnown(origin: string): Promise<boolean> {
      const hit = origins.get(origin);
      if (hit && hit.until > Date.now()) return hit.allowed;
      const allowed = await anySiteAllowsOrigin(db, origin, allowOpenSites);
      if (origins.size > 10_000) origins.clear();
      origins.set(origin, { allowed, until: Date.now() + ttlMs });
      return allowed;
    },
  };
}
export type SiteCache = ReturnType<typeof createSiteCache>;
