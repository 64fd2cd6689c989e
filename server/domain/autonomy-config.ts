/** The autonomy part of the widget's site config: the default for unknown topics and the topics that differ from `auto`. */
import { and, eq, ne } from 'drizzle-orm';
import { trustSettingsOf, type Autonomy } from '../../shared/trust';
import type { Db } from '../db/client';
import { sites, topics } from '../db/schema';

export interface AutonomyConfig {
  defaultAutonomy: Autonomy;
  topics: Record<string, Autonomy>;
}

/**
 * Topics under `auto` are listed only when the default is not `auto` (they differ from it then), which keeps
 * the config small on the usual site where most topics are automatic. Read from the database, not the site
 * cache, so a change shows in the next widget that starts.
 */
export async function autonomyConfig(db: Db, siteId: string): Promise<AutonomyConfig> {
  const [site] = await db.select({ trust: sites.trust }).from(sites).where(eq(sites.id, siteId));
  const { defaultAutonomy } = trustSettingsOf(site?.trust);
  const rows = await db
    .select({ name: topics.name, autonomy: topics.autonomy })
    .from(topics)
    .where(and(eq(topics.siteId, siteId), ne(topics.autonomy, defaultAutonomy)));
  return { defaultAutonomy, topics: Object.fromEntries(rows.map((r) => [r.name, r.autonomy])) };
}
