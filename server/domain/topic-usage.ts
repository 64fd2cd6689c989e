/** Topics that answers carry but the site has not defined: the Settings page offers to define them. */
import { sql } from 'drizzle-orm';
import type { UndefinedTopic } from '../../shared/trust';
import type { Db } from '../db/client';
import { isoSql, rowsOf } from './review-queries';

/** Undefined topics of the site's agent answers in the last `days` days, most answers first (at most `limit`). */
export async function undefinedTopics(db: Db, siteId: string, days = 90, limit = 50): Promise<UndefinedTopic[]> {
  const rows = rowsOf<{ name: string; answers: number | string; last_seen_at: string }>(
    await db.execute(sql`
      select btrim(m.topic) as name, count(*) as answers, ${isoSql(sql`max(m.sent_at)`)} as last_seen_at
      from messages m
      where m.site_id = ${siteId} and m.role = 'agent' and btrim(coalesce(m.topic, '')) <> ''
        and m.sent_at > now() - make_interval(days => ${days})
        and not exists (select 1 from topics t where t.site_id = m.site_id and t.name = btrim(m.topic))
      group by btrim(m.topic)
      order by count(*) desc, btrim(m.topic)
      limit ${limit}`),
  );
  return rows.map((r) => ({ name: r.name, answers: Number(r.answers), lastSeenAt: r.last_seen_at }));
}
