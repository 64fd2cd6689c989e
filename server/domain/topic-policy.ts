/** Which autonomy an agent answer gets: its topic's, or the site's default for a missing or unknown topic. */
import { and, eq } from 'drizzle-orm';
import { trustSettingsOf, type Autonomy } from '../../shared/trust';
import type { Db } from '../db/client';
import { sites, topics } from '../db/schema';

/** The autonomy for `topic` on a site (read from the database on every call: a change applies to the next answer on every instance). */
export async function autonomyFor(db: Db, siteId: string, topic: string | null | undefined): Promise<Autonomy> {
  const name = topic?.trim();
  if (name) {
    const [row] = await db.select({ autonomy: topics.autonomy }).from(topics).where(and(eq(topics.siteId, siteId), eq(topics.name, name)));
    if (row) return row.autonomy;
  }
  const [site] = await db.select({ trust: sites.trust }).from(sites).where(eq(sites.id, siteId));
  return trustSettingsOf(site?.trust).defaultAutonomy;
}
