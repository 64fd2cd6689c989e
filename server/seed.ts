/** First-run setup: the demo site and the first admin account (with a generated password, shown once). */
import { eq } from 'drizzle-orm';
import type { Db } from './db/client';
import { settings, sites } from './db/schema';
import { generatePassword } from './domain/secrets';
import { allowOrigins, createSite } from './domain/sites';
import { addStaffToSites, createStaff, staffCount } from './domain/staff';

const DEMO_SITE_SETTING = 'demo_site_id';
const FIRST_ADMIN_EMAIL = 'admin@backstop.local';

export interface SeedResult {
  demoPublicKey: string;
  /** Present only when this run created the first admin. */
  admin?: { email: string; password: string };
}

/** Makes sure the demo site exists and allows `origins` (the server's own), and that an admin exists. */
export async function seedFirstRun(db: Db, origins: string[]): Promise<SeedResult> {
  const [setting] = await db.select().from(settings).where(eq(settings.key, DEMO_SITE_SETTING));
  let demoPublicKey: string;
  let demoSiteId: string;
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
  }
  if ((await staffCount(db)) > 0) return { demoPublicKey };
  const password = generatePassword();
  let admin: Awaited<ReturnType<typeof createStaff>>;
  try {
    admin = await createStaff(db, { email: FIRST_ADMIN_EMAIL, role: 'admin', password });
  } catch (err) {
    // Another instance starting at the same moment created the first admin: that one prints the password.
    if ((await staffCount(db)) > 0) return { demoPublicKey };
    throw err;
  }
  // The first admin works the demo site's Inbox out of the box.
  await addStaffToSites(db, admin.id, [demoSiteId]);
  return { demoPublicKey, admin: { email: FIRST_ADMIN_EMAIL, password } };
}
