/**
 * Drafts: agent answers held for human review (see drafts-hold.ts), the Inbox's queue of them, and the
 * decisions on them. A decision is atomic like an escalation claim: one conditional UPDATE … WHERE
 * status = 'pending', so of two concurrent decisions exactly one wins and the other is told who decided.
 * Each decision appends the text the user sees to the conversation's event log (the widget replaces its
 * checking state live), a staff event so other Inboxes drop the draft, and an audit row, in one transaction.
 */
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { DraftDecided, DraftDecision, DraftList, DraftStatus } from '../../shared/trust';
import type { Db } from '../db/client';
import { drafts, messages, sites, staff } from '../db/schema';
import { appendEvents, lastEventId } from '../realtime/event-log';
import { recordAudit, type Actor } from './audit';
import { FieldError } from './errors';
import { redactText } from './redact';
import { siteRedacts } from './redact-signals';
import { defaultDisplayName, type SessionStaff } from './sessions';
import { assertSiteAccess } from './staff-access';

type Draft = typeof drafts.$inferSelect;

/** The status each decision leaves, and the verb that names it to people. */
const OUTCOME: Record<DraftDecision, { status: Exclude<DraftStatus, 'pending'>; verb: string }> = {
  approve: { status: 'approved', verb: 'approved' },
  edit: { status: 'edited', verb: 'edited and approved' },
  reject: { status: 'rejected', verb: 'rejected' },
};
const VERB_OF: Record<Exclude<DraftStatus, 'pending'>, string> = { approved: 'approved', edited: 'edited and approved', rejected: 'rejected' };

/** The draft, if the staff member may do `action` on it; NOT_FOUND for other sites' rows. */
async function draftForStaff(db: Db, who: SessionStaff, draftId: string, action: 'read' | 'work'): Promise<Draft> {
  const [row] = await db.select().from(drafts).where(eq(drafts.id, draftId));
  const notFound = `No draft with id '${draftId}'.`;
  if (!row) throw new FieldError('NOT_FOUND', notFound);
  assertSiteAccess(who, row.siteId, action, notFound);
  return row;
}

/**
 * The review queue: pending drafts of the staff member's sites (or one of them), oldest first (the user
 * who waited longest), each with the user's question before it and the agent's text.
 */
export async function listDrafts(db: Db, who: SessionStaff, opts: { siteId?: string; limit: number }, now = Date.now()): Promise<DraftList> {
  if (opts.siteId) assertSiteAccess(who, opts.siteId, 'read');
  const siteIds = opts.siteId ? [opts.siteId] : who.siteIds;
  // Read first: following the events after it misses nothing that happens after this snapshot.
  const since = String(await lastEventId(db));
  if (siteIds.length === 0) return { items: [], pending: 0, lastEventId: since };
  const where = and(inArray(drafts.siteId, siteIds), eq(drafts.status, 'pending'));
  const question = sql<string | null>`(
    select u.text from ${messages} u
    where u.conversation_id = ${drafts.conversationId} and u.role = 'user' and u.sent_at <= ${messages.sentAt}
    order by u.sent_at desc, u.created_at desc limit 1)`;
  // A review case of the answer (a rating or escalation made while it was pending), for a link to its trace.
  // The answer's current rating before any the user changed later (superseded).
  const caseId = sql<string | null>`(select c.id from cases c where c.message_id = ${drafts.messageId} order by c.superseded, c.occurred_at limit 1)`;
  const rows = await db
    .select({ d: drafts, siteName: sites.name, text: messages.text, question, caseId })
    .from(drafts)
    .innerJoin(messages, eq(messages.id, drafts.messageId))
    .innerJoin(sites, eq(sites.id, drafts.siteId))
    .where(where)
    .orderBy(asc(drafts.createdAt))
    .limit(opts.limit);
  const [total] = await db.select({ n: count() }).from(drafts).where(where);
  return {
    items: rows.map(({ d, siteName, text, question, caseId }) => ({
      id: d.id,
      siteId: d.siteId,
      siteName,
      conversationId: d.conversationId,
      topic: d.topic,
      confidence: d.confidence,
      traceId: d.traceId,
      caseId,
      question,
      text,
      createdAt: d.createdAt.toISOString(),
      openedAt: d.openedAt?.toISOString() ?? null,
      waitingMs: Math.max(0, now - d.createdAt.getTime()),
    })),
    pending: total?.n ?? 0,
    lastEventId: since,
  };
}

/** Records when a reviewer first opened the draft (the start of its reading time); later opens keep the first. */
export async function openDraft(db: Db, who: SessionStaff, draftId: string): Promise<{ id: string; openedAt: string }> {
  const row = await draftForStaff(db, who, draftId, 'work');
  const [updated] = await db
    .update(drafts)
    .set({ openedAt: sql`coalesce(${drafts.openedAt}, now())` })
    .where(eq(drafts.id, row.id))
    .returning({ openedAt: drafts.openedAt });
  return { id: row.id, openedAt: updated!.openedAt!.toISOString() };
}

async function staffLabel(db: Db, staffId: string | null): Promise<string> {
  if (!staffId) return 'a removed account';
  const [s] = await db.select({ email: staff.email, displayName: staff.displayName }).from(staff).where(eq(staff.id, staffId));
  return s ? `${s.displayName ?? defaultDisplayName(s.email)} (${s.email})` : 'a removed account';
}

/**
 * Decides a pending draft: `approve` (the agent's text), `edit` (the given text) or `reject` (the given
 * replacement). `openMs` is the time from the first `openDraft` to the decision; a draft decided without
 * being opened gets 0 (the rubber-stamp guard counts it as not read). A second decision gets CONFLICT
 * naming who decided.
 */
export async function decideDraft(db: Db, who: SessionStaff, actor: Actor, draftId: string, decision: DraftDecision, sent?: string): Promise<DraftDecided> {
  const row = await draftForStaff(db, who, draftId, 'work');
  if (decision !== 'approve' && !sent) throw new FieldError('BAD_REQUEST', 'Write the answer the user should see.', { text: 'required' });
  // Redacted like a person's reply: cards, IBANs and secrets removed, contact details kept.
  const text = sent && (await siteRedacts(db, row.siteId)) ? redactText(sent, { keepContacts: true }) : sent;
  const { status } = OUTCOME[decision];
  const decided = await db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const [u] = await tx
      .update(drafts)
      .set({
        status,
        finalText: decision === 'approve' ? sql`(select ${messages.text} from ${messages} where ${messages.id} = ${drafts.messageId})` : text!,
        decidedBy: who.id,
        decidedAt: sql`now()`,
        openedAt: sql`coalesce(${drafts.openedAt}, now())`,
        openMs: sql`greatest(0, round(extract(epoch from (now() - coalesce(${drafts.openedAt}, now()))) * 1000))::int`,
      })
      .where(and(eq(drafts.id, row.id), eq(drafts.status, 'pending')))
      .returning();
    if (!u) return null;
    const [m] = await tx.select({ clientEventId: messages.clientEventId }).from(messages).where(eq(messages.id, u.messageId));
    const base = { siteId: u.siteId, conversationId: u.conversationId };
    await appendEvents(tx, [
      // The user learns the text only (not whether it was edited or replaced).
      { ...base, type: 'draft.decided', audience: 'widget', payload: { messageId: m!.clientEventId, text: u.finalText, createdAt: u.decidedAt!.toISOString() } },
      { ...base, type: 'draft.closed', audience: 'staff', payload: { draftId: u.id, status: u.status, staff: { id: who.id, displayName: who.displayName } } },
    ]);
    await recordAudit(tx, actor, { action: `draft.${decision}`, siteId: u.siteId, targetType: 'draft', targetId: u.id, details: { status: u.status, topic: u.topic, openMs: u.openMs } });
    return u;
  });
  if (decided) return { id: decided.id, status: status, finalText: decided.finalText ?? '', decidedAt: decided.decidedAt!.toISOString(), openMs: decided.openMs ?? 0 };
  const [now] = await db.select().from(drafts).where(eq(drafts.id, row.id));
  const verb = now!.status === 'pending' ? 'decided' : VERB_OF[now!.status];
  throw new FieldError('CONFLICT', `This draft was already ${verb} by ${await staffLabel(db, now!.decidedBy)}.`);
}
