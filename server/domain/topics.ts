/**
 * A site's topics and their policy (failure cost, success criterion, autonomy). Every change is written to
 * the audit log in the same transaction, with the values before and after and the reason given.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { TopicPolicy, TopicSetInput } from '../../shared/trust';
import type { Db } from '../db/client';
import { topics } from '../db/schema';
import { recordAudit, type Actor } from './audit';

type TopicRow = typeof topics.$inferSelect;

const toPolicy = (row: TopicRow): TopicPolicy => ({
  name: row.name,
  failureCost: row.failureCost,
  autonomy: row.autonomy,
  criterion: row.criterion,
  updatedBy: row.updatedBy,
  updatedAt: row.updatedAt.toISOString(),
});

/** The site's defined topics, by name. */
export async function listTopics(db: Db, siteId: string): Promise<TopicPolicy[]> {
  const rows = await db.select().from(topics).where(eq(topics.siteId, siteId)).orderBy(asc(topics.name));
  return rows.map(toPolicy);
}

/**
 * Creates the topic or changes the given fields (others keep their value; a new topic starts `auto`, cost
 * unset). `criterion: ''` clears the criterion. Returns the policy as stored. Audited as `topic.set`
 * (`topic.create` for a new one), with `before`, `after` and `reason`.
 */
export async function setTopic(db: Db, who: Actor, input: TopicSetInput): Promise<TopicPolicy> {
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const [before] = await tx.select().from(topics).where(and(eq(topics.siteId, input.siteId), eq(topics.name, input.name))).for('update');
    const values = {
      failureCost: input.failureCost ?? before?.failureCost ?? null,
      autonomy: input.autonomy ?? before?.autonomy ?? 'auto',
      criterion: input.criterion === undefined ? (before?.criterion ?? null) : input.criterion || null,
      updatedBy: who.actor,
      updatedAt: new Date(),
    };
    const [row] = await tx
      .insert(topics)
      .values({ siteId: input.siteId, name: input.name, ...values })
      .onConflictDoUpdate({ target: [topics.siteId, topics.name], set: values })
      .returning();
    const after = toPolicy(row!);
    const snapshot = (p: TopicPolicy | null) => (p ? { failureCost: p.failureCost, autonomy: p.autonomy, criterion: p.criterion } : null);
    await recordAudit(tx, who, {
      action: before ? 'topic.set' : 'topic.create',
      siteId: input.siteId,
      targetType: 'topic',
      targetId: input.name,
      details: { before: snapshot(before ? toPolicy(before) : null), after: snapshot(after), reason: input.reason ?? null },
    });
    return after;
  });
}
