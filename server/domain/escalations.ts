/**
 * Escalations: the widget's requests for a person, and what staff do with them. Every change appends an
 * event in the same transaction (see realtime/event-log.ts); internal notes are staff-only events.
 */
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { EscalationOutcome } from '../../shared/handoff';
import type { EscalationSignal, MessageSignal, SignalResult } from '../../shared/schemas';
import type { Db } from '../db/client';
import { escalationNotes, escalationRequests, escalations, messages, staff, staffSites } from '../db/schema';
import { appendEvents, type NewEvent } from '../realtime/event-log';
import { FieldError } from './errors';
import { redactText } from './redact';
import { siteRedacts } from './redact-signals';
import { sha256 } from './secrets';
import { defaultDisplayName, type SessionStaff } from './sessions';
import { assertSiteAccess } from './staff-access';
import { escalationWebhookData } from '../webhooks/escalation-payload';
import { enqueueWebhook } from '../webhooks/outbox';

type Entry<T> = { index: number; item: T; hash: string };
export type Escalation = typeof escalations.$inferSelect;

/**
 * Stores the batch's escalation requests (exactly once per clientEventId; a request while one is open
 * joins it) and appends the events of the batch that staff follow live: new escalations, joins, and user
 * messages in a conversation that is with a person. Runs inside the batch's transaction.
 */
export async function storeHandoffSignals(
  tx: Db,
  siteId: string,
  requests: readonly Entry<EscalationSignal>[],
  messageEntries: readonly Entry<MessageSignal>[],
  statuses: ReadonlyMap<number, SignalResult['status']>,
): Promise<Map<number, SignalResult['status']>> {
  const out = new Map<number, SignalResult['status']>();
  const pending: NewEvent[] = [];
  const conflicts: Record<string, string> = {};
  for (const { index, item, hash } of requests) {
    const [seen] = await tx
      .select({ hash: escalationRequests.bodyHash })
      .from(escalationRequests)
      .where(and(eq(escalationRequests.siteId, siteId), eq(escalationRequests.clientEventId, item.clientEventId)));
    if (seen) {
      if (seen.hash === hash) out.set(index, 'duplicate');
      else conflicts[`items.${index}.clientEventId`] = `event ${item.clientEventId} was already recorded with a different body`;
      continue;
    }
    const { escalation, created } = await openEscalation(tx, siteId, item);
    const [inserted] = await tx
      .insert(escalationRequests)
      .values({ siteId, escalationId: escalation.id, clientEventId: item.clientEventId, trigger: item.trigger, note: item.note ?? null, bodyHash: hash, sentAt: new Date(item.createdAt) })
      .onConflictDoNothing({ target: [escalationRequests.siteId, escalationRequests.clientEventId] })
      .returning({ id: escalationRequests.id });
    // A concurrent retry of the same request committed first: this one is its replay.
    if (!inserted) {
      out.set(index, 'duplicate');
      continue;
    }
    out.set(index, 'stored');
    const base = { siteId, conversationId: item.conversationId, escalationId: escalation.id };
    if (created)
      pending.push({ ...base, type: 'escalation.created', audience: 'widget', payload: { status: 'queued', trigger: item.trigger, note: item.note ?? null, pageUrl: item.pageUrl ?? null, createdAt: escalation.createdAt.toISOString() } });
    else pending.push({ ...base, type: 'escalation.joined', audience: 'staff', payload: { trigger: item.trigger, note: item.note ?? null } });
    if (created) await enqueueWebhook(tx, siteId, 'escalation.created', escalationWebhookData(escalation));
  }
  if (Object.keys(conflicts).length)
    throw new FieldError('CONFLICT', 'An event id was reused with a different body; each signal needs its own clientEventId.', conflicts);

  const fresh = messageEntries.filter((m) => m.item.role === 'user' && statuses.get(m.index) === 'stored');
  if (fresh.length) {
    const open = await tx
      .select({ id: escalations.id, conversationId: escalations.conversationId })
      .from(escalations)
      .where(and(inArray(escalations.conversationId, [...new Set(fresh.map((m) => m.item.conversationId))]), ne(escalations.status, 'resolved')));
    const byConversation = new Map(open.map((o) => [o.conversationId, o.id]));
    for (const { item } of fresh) {
      const escalationId = byConversation.get(item.conversationId);
      // The user's own words: the widget already shows them, so staff are the audience.
      if (escalationId)
        pending.push({ siteId, conversationId: item.conversationId, escalationId, type: 'message.user', audience: 'staff', payload: { messageId: item.clientEventId, text: item.text, createdAt: item.createdAt } });
    }
  }
  await appendEvents(tx, pending);
  return out;
}

/** The conversation's open escalation, created from this request if there is none. */
async function openEscalation(tx: Db, siteId: string, item: EscalationSignal): Promise<{ escalation: Escalation; created: boolean }> {
  // The partial unique index (one open escalation per conversation) makes a concurrent creation wait and then join.
  const created = (await tx.execute(sql`
    insert into escalations (site_id, conversation_id, trigger, note, contact_email, page_url, claimed_identity)
    values (${siteId}, ${item.conversationId}, ${item.trigger}, ${item.note ?? null}, ${item.contactEmail ?? null}, ${item.pageUrl ?? null}, ${item.identity ? JSON.stringify(item.identity) : null}::jsonb)
    on conflict (conversation_id) where status <> 'resolved' do nothing
    returning id`)) as unknown as { rows: { id: string }[] };
  const id = created.rows[0]?.id;
  const [row] = await tx
    .select()
    .from(escalations)
    .where(id ? eq(escalations.id, id) : and(eq(escalations.conversationId, item.conversationId), ne(escalations.status, 'resolved')));
  if (!id && row && item.contactEmail && !row.contactEmail) await tx.update(escalations).set({ contactEmail: item.contactEmail }).where(eq(escalations.id, row.id));
  return { escalation: row!, created: Boolean(id) };
}

// ---- staff actions

/** The escalation, if the staff member may do `action` on it; NOT_FOUND for other sites' rows. */
export async function escalationForStaff(db: Db, who: SessionStaff, escalationId: string, action: 'read' | 'work'): Promise<Escalation> {
  const [row] = await db.select().from(escalations).where(eq(escalations.id, escalationId));
  const notFound = `No escalation with id '${escalationId}'.`;
  if (!row) throw new FieldError('NOT_FOUND', notFound);
  assertSiteAccess(who, row.siteId, action, notFound);
  return row;
}

async function staffLabel(db: Db, staffId: string | null): Promise<string> {
  if (!staffId) return 'nobody';
  const [s] = await db.select({ email: staff.email, displayName: staff.displayName }).from(staff).where(eq(staff.id, staffId));
  return s ? `${s.displayName ?? defaultDisplayName(s.email)} (${s.email})` : 'a removed account';
}

const publicStaff = (who: Pick<SessionStaff, 'id' | 'displayName'>) => ({ id: who.id, displayName: who.displayName });

/** The refusal when an escalation is not in a state that allows the action. */
async function conflict(db: Db, row: Escalation, action: string): Promise<never> {
  if (row.status === 'resolved') throw new FieldError('CONFLICT', `This escalation is already resolved; it cannot be ${action}.`);
  throw new FieldError('CONFLICT', `This escalation is claimed by ${await staffLabel(db, row.assigneeId)}; it cannot be ${action} by you.`);
}

function eventOf(row: Escalation, type: NewEvent['type'], audience: NewEvent['audience'], payload: Record<string, unknown>): NewEvent {
  return { siteId: row.siteId, conversationId: row.conversationId, escalationId: row.id, type, audience, payload };
}

/** Claims a queued escalation. Atomic: of concurrent claims exactly one wins, the others get CONFLICT naming the winner. */
export async function claimEscalation(db: Db, who: SessionStaff, escalationId: string): Promise<Escalation> {
  const row = await escalationForStaff(db, who, escalationId, 'work');
  const claimed = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(escalations)
      .set({ status: 'claimed', assigneeId: who.id, claimedAt: new Date() })
      .where(and(eq(escalations.id, row.id), eq(escalations.status, 'queued')))
      .returning();
    if (updated) await appendEvents(tx as unknown as Db, [eventOf(updated, 'escalation.claimed', 'widget', { status: 'claimed', staff: publicStaff(who) })]);
    return updated;
  });
  if (claimed) return claimed;
  const [now] = await db.select().from(escalations).where(eq(escalations.id, row.id));
  if (now!.status === 'claimed' && now!.assigneeId === who.id) return now!;
  return conflict(db, now!, 'claimed');
}

/** Puts a claimed escalation back in the queue (its assignee or an admin). */
export async function unclaimEscalation(db: Db, who: SessionStaff, escalationId: string): Promise<Escalation> {
  const row = await escalationForStaff(db, who, escalationId, 'work');
  const mayAct = row.assigneeId === who.id || who.role === 'admin';
  if (row.status !== 'claimed' || !mayAct) {
    if (row.status === 'queued') throw new FieldError('CONFLICT', 'This escalation is not claimed.');
    return conflict(db, row, 'unclaimed');
  }
  return changeState(db, row, { status: 'claimed', assigneeId: row.assigneeId }, { status: 'queued', assigneeId: null, claimedAt: null }, 'escalation.unclaimed', { status: 'queued' }, 'unclaimed');
}

/** Hands an escalation to another agent or admin of its site (the assignee, an admin, or anyone while it is queued). */
export async function transferEscalation(db: Db, who: SessionStaff, escalationId: string, toStaffId: string): Promise<Escalation> {
  const row = await escalationForStaff(db, who, escalationId, 'work');
  if (row.status === 'resolved' || (row.status === 'claimed' && row.assigneeId !== who.id && who.role !== 'admin')) return conflict(db, row, 'transferred');
  const [target] = await db
    .select({ id: staff.id, email: staff.email, role: staff.role, displayName: staff.displayName, disabledAt: staff.disabledAt })
    .from(staff)
    .innerJoin(staffSites, and(eq(staffSites.staffId, staff.id), eq(staffSites.siteId, row.siteId)))
    .where(eq(staff.id, toStaffId));
  if (!target || target.role === 'reviewer')
    throw new FieldError('BAD_REQUEST', `Staff '${toStaffId}' is not an agent or admin of this escalation's site.`, { toStaffId: 'must be an agent or admin of the site' });
  // A disabled account cannot sign in: a handoff given to it would wait for nobody.
  if (target.disabledAt) throw new FieldError('BAD_REQUEST', `${target.email} is disabled and cannot take handoffs.`, { toStaffId: 'this account is disabled' });
  const to = { id: target.id, displayName: target.displayName ?? defaultDisplayName(target.email) };
  return changeState(db, row, { status: row.status, assigneeId: row.assigneeId }, { status: 'claimed', assigneeId: to.id, claimedAt: new Date() }, 'escalation.transferred', { status: 'claimed', staff: to, from: publicStaff(who) }, 'transferred');
}

/** Resolves with an outcome (the assignee, an admin, or anyone while it is queued). */
export async function resolveEscalation(db: Db, who: SessionStaff, escalationId: string, outcome: EscalationOutcome): Promise<Escalation> {
  const row = await escalationForStaff(db, who, escalationId, 'work');
  if (row.status === 'resolved' || (row.status === 'claimed' && row.assigneeId !== who.id && who.role !== 'admin')) return conflict(db, row, 'resolved');
  // The outcome is the team's judgement of the agent; the widget only learns that it is resolved.
  return changeState(db, row, { status: row.status, assigneeId: row.assigneeId }, { status: 'resolved', outcome, resolvedAt: new Date() }, 'escalation.resolved', { status: 'resolved' }, 'resolved');
}

/** Applies a change only if the row is still as it was read (compare-and-set), with its event. */
async function changeState(
  db: Db,
  row: Escalation,
  expected: { status: Escalation['status']; assigneeId: string | null },
  set: Partial<Escalation>,
  type: NewEvent['type'],
  payload: Record<string, unknown>,
  verb: string,
): Promise<Escalation> {
  const updated = await db.transaction(async (tx) => {
    const [u] = await tx
      .update(escalations)
      .set(set)
      .where(
        and(
          eq(escalations.id, row.id),
          eq(escalations.status, expected.status),
          expected.assigneeId ? eq(escalations.assigneeId, expected.assigneeId) : sql`${escalations.assigneeId} is null`,
        ),
      )
      .returning();
    if (u) await appendEvents(tx as unknown as Db, [eventOf(u, type, 'widget', payload)]);
    if (u?.status === 'resolved') await enqueueWebhook(tx as unknown as Db, u.siteId, 'escalation.resolved', escalationWebhookData(u));
    return u;
  });
  if (updated) return updated;
  const [now] = await db.select().from(escalations).where(eq(escalations.id, row.id));
  return conflict(db, now!, verb);
}

/** A person's reply, stored as a `human` message the widget shows. Only the assignee replies; a retried send stores one reply. */
export async function replyToEscalation(db: Db, who: SessionStaff, escalationId: string, sent: string, clientEventId: string = crypto.randomUUID()) {
  const row = await escalationForStaff(db, who, escalationId, 'work');
  if (row.status === 'queued') throw new FieldError('CONFLICT', 'Claim this escalation before replying.');
  if (row.status === 'resolved' || row.assigneeId !== who.id) return conflict(db, row, 'replied to');
  // Redaction: cards, IBANs and secrets are removed before storage (a pasted card stays out of the database);
  // contact details are kept, as a reply often gives the user an address or a number to call. The hash of
  // the text as sent tells a retry from a different reply.
  const text = (await siteRedacts(db, row.siteId)) ? redactText(sent, { keepContacts: true }) : sent;
  const bodyHash = sha256(JSON.stringify({ role: 'human', text: sent }));
  return db.transaction(async (tx) => {
    const now = new Date();
    const [message] = await tx
      .insert(messages)
      .values({ siteId: row.siteId, conversationId: row.conversationId, clientEventId, role: 'human', text, staffId: who.id, bodyHash, sentAt: now })
      .onConflictDoNothing({ target: [messages.siteId, messages.clientEventId] })
      .returning();
    if (!message) {
      const [existing] = await tx.select().from(messages).where(and(eq(messages.siteId, row.siteId), eq(messages.clientEventId, clientEventId)));
      if (existing?.conversationId !== row.conversationId || existing.bodyHash !== bodyHash)
        throw new FieldError('CONFLICT', `Message ${clientEventId} was already sent with a different text.`, { clientEventId: 'already used' });
      return { messageId: existing.clientEventId, createdAt: existing.sentAt.toISOString() };
    }
    await tx.update(escalations).set({ firstHumanReplyAt: sql`coalesce(${escalations.firstHumanReplyAt}, now())` }).where(eq(escalations.id, row.id));
    await appendEvents(tx as unknown as Db, [
      eventOf(row, 'message.human', 'widget', { messageId: clientEventId, text, staff: publicStaff(who), createdAt: now.toISOString() }),
    ]);
    return { messageId: clientEventId, createdAt: now.toISOString() };
  });
}

/** An internal note: stored and sent to staff only, never to the widget. */
export async function addNote(db: Db, who: SessionStaff, escalationId: string, sent: string) {
  const row = await escalationForStaff(db, who, escalationId, 'work');
  // Redaction: internal notes are stored (and shown to staff live) redacted too.
  const text = (await siteRedacts(db, row.siteId)) ? redactText(sent) : sent;
  return db.transaction(async (tx) => {
    const [note] = await tx.insert(escalationNotes).values({ escalationId: row.id, staffId: who.id, text }).returning();
    await appendEvents(tx as unknown as Db, [eventOf(row, 'escalation.note', 'staff', { noteId: note!.id, text, staff: publicStaff(who), createdAt: note!.createdAt.toISOString() })]);
    return { noteId: note!.id, createdAt: note!.createdAt.toISOString() };
  });
}
