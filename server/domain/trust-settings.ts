/**
 * A site's trust settings (default autonomy, recommendation, rubber-stamp and calibration parameters):
 * read with every documented default filled in, changed by partial patches that keep the other keys.
 */
import { eq, sql } from 'drizzle-orm';
import { trustSettingsOf, type TrustSettings } from '../../shared/trust';
import type { Db } from '../db/client';
import { sites } from '../db/schema';
import { recordAudit, type Actor } from './audit';
import { FieldError } from './errors';

/** The site's settings with defaults; NOT_FOUND for an unknown site. */
export async function readTrustSettings(db: Db, siteId: string): Promise<TrustSettings> {
  const [site] = await db.select({ trust: sites.trust }).from(sites).where(eq(sites.id, siteId));
  if (!site) throw new FieldError('NOT_FOUND', `No site with id '${siteId}'.`);
  return trustSettingsOf(site.trust);
}

/**
 * Merges `patch` into the stored settings in one statement (`trust || patch`, so a concurrent change of
 * another key is kept) and audits `trust.settings` with the effective settings before and after.
 */
export async function updateTrustSettings(db: Db, who: Actor, siteId: string, patch: Partial<TrustSettings>): Promise<TrustSettings> {
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const [before] = await tx.select({ trust: sites.trust }).from(sites).where(eq(sites.id, siteId)).for('update');
    if (!before) throw new FieldError('NOT_FOUND', `No site with id '${siteId}'.`);
    const [row] = await tx
      .update(sites)
      .set({ trust: sql`${sites.trust} || ${JSON.stringify(patch)}::jsonb` })
      .where(eq(sites.id, siteId))
      .returning({ trust: sites.trust });
    const after = trustSettingsOf(row!.trust);
    const previous = trustSettingsOf(before.trust);
    // Only the keys that were sent: the log says what the admin changed, not the whole object twice.
    const keys = Object.keys(patch) as (keyof TrustSettings)[];
    await recordAudit(tx, who, {
      action: 'trust.settings',
      siteId,
      targetType: 'site',
      targetId: siteId,
      details: { before: Object.fromEntries(keys.map((k) => [k, previous[k]])), after: Object.fromEntries(keys.map((k) => [k, after[k]])) },
    });
    return after;
  });
}
