/**
 * When spans of a trace arrive, the review cases already joined to it take the trace's model, release and
 * topic, and negative ones go back to the projector's queue to be classified again with the new evidence.
 * Runs in the transaction that stored the spans, so a case is never left classified on a stale trace.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

export async function markTracesChanged(tx: Db, siteId: string, traceIds: readonly string[]): Promise<void> {
  if (traceIds.length === 0) return;
  await tx.execute(sql`
    UPDATE cases c
       SET model = t.model,
           release = t.release,
           topic = coalesce(c.topic, t.topic),
           classified_at = CASE WHEN c.negative THEN NULL ELSE c.classified_at END
      FROM traces t
     WHERE c.site_id = ${siteId}
       AND c.trace_id = ANY(ARRAY[${sql.join(traceIds.map((id) => sql`${id}`), sql`, `)}]::text[])
       AND t.site_id = c.site_id AND t.trace_id = c.trace_id`);
}
