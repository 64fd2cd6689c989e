/**
 * First-run setup: the demo site and the first admin account (with a generated password, shown once), and
 * the demo site's secret ingest key, which only the demo keeps (see `ensureDemoIngestKey`).
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from './db/client';
import { ingestKeys, settings, sites } from './db/schema';
import { DEFAULT_KEY_NAME, insertIngestKey } from './domain/ingest-keys';
import { generatePassword, newIngestKey, sha256 } from './domain/secrets';
import { allowOrigins, createSite } from './domain/sites';
import { addStaffToSites, createStaff, staffCount } from './domain/staff';

const DEMO_SITE_SETTING = 'demo_site_id';
/** Prefix of the setting holding a demo site's secret ingest key; the site id follows, so a new demo site gets a new key. */
export const DEMO_INGEST_KEY_SETTING = 'demo_ingest_key:';
const FIRST_ADMIN_EMAIL = 'admin@backstop.local';

export interface SeedResult {
  demoPublicKey: string;
  /** The demo site's secret ingest key, for the demo agent's trace exporter. */
  demoIngestKey: string;
  /** Present only when this run created the first admin. */
  admin?: { email: string; password: string };
}

/** Makes sure the demo site exists and allows `origins` (the server's own), and that an admin exists. */
export async function seedFirstRun(db: Db, origins: string[]): Promise<SeedResult> {
  const [setting] = await db.select().from(settings).where(eq(settings.key, DEMO_SITE_SETTING));
  let demoPublicKey: string;
  let demoSiteId: string;
  let createdIngestKey: string | undefined;
  const existing = setting ? (await db.select().from(sites).where(eq(sites.id, setting.value)))[0] : undefined;
  if (existing) {
    await allowOrigins(db, existing.id, origins);
    demoPublicKey = existing.publicKey;
    demoSiteId = existing.id;
  } else {
    const created = await createSite(db, { name: 'Acme Cloud (demo)', origins });
    await db
      .insert(settings)
      .values({ key: DEMO_SITE_SETTING, value: created.siteId })
      .onConflictDoUpdate({ target: settings.key, set: { value: created.siteId } });
    demoPublicKey = created.publicKey;
    demoSiteId = created.siteId;
    createdIngestKey = created.ingestKey;
  }
  const demoIngestKey = await ensureDemoIngestKey(db, demoSiteId, createdIngestKey);
  if ((await staffCount(db)) > 0) return { demoPublicKey, demoIngestKey };
  const password = generatePassword();
  let admin: Awaited<ReturnType<typeof createStaff>>;
  try {
    admin = await createStaff(db, { email: FIRST_ADMIN_EMAIL, role: 'admin', password });
  } catch (err) {
    // Another instance starting at the same moment created the first admin: that one prints the password.
    if ((await staffCount(db)) > 0) return { demoPublicKey, demoIngestKey };
    throw err;
  }
  // The first admin works the demo site's Inbox out of the box.
  await addStaffToSites(db, admin.id, [demoSiteId]);
  return { demoPublicKey, demoIngestKey, admin: { email: FIRST_ADMIN_EMAIL, password } };
}

/**
 * The demo site's secret ingest key, which the demo agent needs to send its traces. Ingest keys are shown
 * once and stored only as hashes; the demo site alone keeps its key in `settings`, in plain text, because
 * its own agent runs in this process. The first start that finds none (a new install, or a data directory
 * from before the demo sent traces) stores `known` (the key of a site just created) or a new key, and sets
 * the site's 'default' ingest key to match (a new row if it has none), in one transaction: instances starting at once all end up with the stored key.
 */
export async function ensureDemoIngestKey(db: Db, siteId: string, known?: string): Promise<string> {
  const settingKey = `${DEMO_INGEST_KEY_SETTING}${siteId}`;
  return db.transaction(async (tx) => {
    const candidate = known ?? newIngestKey();
    const inserted = await tx.insert(settings).values({ key: settingKey, value: candidate }).onConflictDoNothing().returning({ value: settings.value });
    if (inserted.length > 0) {
      if (!known) await replaceDefaultKey(tx as unknown as Db, siteId, candidate);
      return candidate;
    }
    const [row] = await tx.select({ value: settings.value }).from(settings).where(eq(settings.key, settingKey));
    return row!.value;
  });
}

/** Points the site's 'default' ingest key at `key` (revoked or not, it is live again), or adds one. */
async function replaceDefaultKey(tx: Db, siteId: string, key: string): Promise<void> {
  const [row] = await tx
    .select({ id: ingestKeys.id })
    .from(ingestKeys)
    .where(and(eq(ingestKeys.siteId, siteId), eq(ingestKeys.name, DEFAULT_KEY_NAME)))
    .orderBy(ingestKeys.createdAt)
    .limit(1);
  if (row) await tx.update(ingestKeys).set({ keyHash: sha256(key), revokedAt: null }).where(eq(ingestKeys.id, row.id));
  else await insertIngestKey(tx, siteId, key);
}
