/**
 * The hold-back: an agent answer whose topic is under `human_review` becomes a pending draft in the same
 * transaction that stores the message, so no reader can ever see the message without its draft row.
 * Runs on the signal hot path: one autonomy query per site of the batch, and only for fresh agent answers.
 */
import { sql } from 'drizzle-orm';
import { trustSettingsOf, type Autonomy } from '../../shared/trust';
import type { Db } from '../db/client';
import { drafts } from '../db/schema';
import { appendEvents } from '../realtime/event-log';

/** A freshly stored agent answer (a replay is not one: it made its draft, if any, the first time). */
export interface FreshAnswer {
  siteId: string;
  conversationId: string;
  /** The message row's id. */
  messageId: string;
  topic: string | null;
  confidence: number | null;
  traceId: string | null;
}

/** Resolves a topic to its autonomy on one site: the topic's own level, else the site default. */
export type AutonomyOf = (topic: string | null | undefined) => Autonomy;

/**
 * The autonomy of the given topics on a site, in one query (the site's default joined with the topics
 * named). Read inside the batch's transaction and never cached beyond it: a change made on any
 * instance applies to the next answer.
 */
export async function autonomyLookup(db: Db, siteId: string, names: readonly string[]): Promise<AutonomyOf> {
  const result = (await db.execute(sql`
    select s.trust, t.name, t.autonomy
    from sites s
    left join topics t on t.site_id = s.id and t.name = any(${sql.param([...names])}::text[])
    where s.id = ${siteId}`)) as unknown as { rows: { trust: unknown; name: string | null; autonomy: Autonomy | null }[] };
  const fallback = trustSettingsOf(result.rows[0]?.trust).defaultAutonomy;
  const byName = new Map(result.rows.filter((r) => r.name && r.autonomy).map((r) => [r.name!, r.autonomy!]));
  return (topic) => byName.get(topic?.trim() ?? '') ?? fallback;
}

/** Inserts a pending draft for each fresh answer under `human_review`, and tells staff (no text) that it waits. */
export async function holdDrafts(tx: Db, answers: readonly FreshAnswer[]): Promise<void> {
  if (answers.length === 0) return;
  const bySite = new Map<string, FreshAnswer[]>();
  for (const a of answers) (bySite.get(a.siteId) ?? bySite.set(a.siteId, []).get(a.siteId)!).push(a);
  const held: FreshAnswer[] = [];
  for (const [siteId, group] of bySite) {
    const names = [...new Set(group.map((a) => a.topic?.trim()).filter((t): t is string => Boolean(t)))];
    const autonomyOf = await autonomyLookup(tx, siteId, names);
    held.push(...group.filter((a) => autonomyOf(a.topic) === 'human_review'));
  }
  if (held.length === 0) return;
  const rows = await tx
    .insert(drafts)
    .values(held.map((a) => ({ siteId: a.siteId, conversationId: a.conversationId, messageId: a.messageId, topic: a.topic?.trim() || null, confidence: a.confidence, traceId: a.traceId })))
    // One draft per message, whatever retries do.
    .onConflictDoNothing({ target: drafts.messageId })
    .returning({ id: drafts.id, siteId: drafts.siteId, conversationId: drafts.conversationId, topic: drafts.topic });
  await appendEvents(
    tx,
    rows.map((d) => ({ siteId: d.siteId, conversationId: d.conversationId, type: 'draft.created' as const, audience: 'staff' as const, payload: { draftId: d.id, topic: d.topic } })),
  );
}
