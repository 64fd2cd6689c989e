/** Read models of handoff: the Inbox list, one escalation with its transcript, and the widget's view of its conversation. */
import { and, asc, count, desc, eq, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { EscalationFilter, HandoffAvailability } from '../../shared/handoff';
import type { Db } from '../db/client';
import { conversations, drafts, escalationNotes, escalationRequests, escalations, feedback, messages, sites, staff } from '../db/schema';
import { lastEventId } from '../realtime/event-log';
import { handoffAvailability } from './availability';
import { defaultDisplayName, type SessionStaff } from './sessions';
import { assertSiteAccess } from './staff-access';
import { escalationForStaff, type Escalation } from './escalations';

const nameOf = (s: { email: string | null; displayName: string | null } | null) => (s?.email ? (s.displayName ?? defaultDisplayName(s.email)) : null);

function filterWhere(filter: EscalationFilter, who: SessionStaff): SQL {
  switch (filter) {
    case 'queued':
      return eq(escalations.status, 'queued');
    case 'mine':
      return and(eq(escalations.assigneeId, who.id), ne(escalations.status, 'resolved'))!;
    case 'open':
      return ne(escalations.status, 'resolved');
    case 'resolved':
      return eq(escalations.status, 'resolved');
  }
}

/** How long the user waited (or has been waiting) for a person. */
function waitingMs(e: Pick<Escalation, 'createdAt' | 'claimedAt' | 'resolvedAt'>, now: number): number {
  const end = e.claimedAt?.getTime() ?? e.resolvedAt?.getTime() ?? now;
  return Math.max(0, end - e.createdAt.getTime());
}

/**
 * The Inbox: escalations of the staff member's sites under a filter, with counts per filter. Open ones
 * come oldest first (who waited longest); resolved ones newest first. `lastEventId` is read first, so
 * following the events after it misses nothing that happened after this snapshot.
 */
export async function listEscalations(db: Db, who: SessionStaff, opts: { filter: EscalationFilter; siteId?: string; limit: number }, now = Date.now()) {
  if (opts.siteId) assertSiteAccess(who, opts.siteId, 'read');
  const siteIds = opts.siteId ? [opts.siteId] : who.siteIds;
  const since = await lastEventId(db);
  const empty = { items: [], counts: { queued: 0, mine: 0, open: 0, resolved: 0 }, lastEventId: String(since) };
  if (siteIds.length === 0) return empty;
  const inSites = inArray(escalations.siteId, siteIds);
  const rows = await db
    .select({
      e: escalations,
      siteName: sites.name,
      assigneeEmail: staff.email,
      assigneeName: staff.displayName,
      userId: conversations.userId,
      userVerified: conversations.userVerified,
      userClaims: conversations.userClaims,
    })
    .from(escalations)
    .innerJoin(sites, eq(sites.id, escalations.siteId))
    .innerJoin(conversations, eq(conversations.id, escalations.conversationId))
    .leftJoin(staff, eq(staff.id, escalations.assigneeId))
    .where(and(inSites, filterWhere(opts.filter, who)))
    .orderBy(opts.filter === 'resolved' ? desc(escalations.resolvedAt) : asc(escalations.createdAt))
    .limit(opts.limit);
  const [c] = await db
    .select({
      queued: sql<number>`count(*) filter (where ${escalations.status} = 'queued')::int`,
      mine: sql<number>`count(*) filter (where ${escalations.status} <> 'resolved' and ${escalations.assigneeId} = ${who.id})::int`,
      open: sql<number>`count(*) filter (where ${escalations.status} <> 'resolved')::int`,
      resolved: sql<number>`count(*) filter (where ${escalations.status} = 'resolved')::int`,
    })
    .from(escalations)
    .where(inSites);
  return {
    items: rows.map(({ e, siteName, assigneeEmail, assigneeName, userId, userVerified, userClaims }) => ({
      id: e.id,
      siteId: e.siteId,
      siteName,
      conversationId: e.conversationId,
      trigger: e.trigger,
      note: e.note,
      status: e.status,
      outcome: e.outcome,
      assignee: e.assigneeId ? { id: e.assigneeId, displayName: nameOf({ email: assigneeEmail, displayName: assigneeName }) ?? '' } : null,
      pageUrl: e.pageUrl,
      /** The end user from `identify`, by name when given; `verified` when signed by the site's server. */
      user: userId ? { name: userClaims?.name ?? userId, verified: userVerified } : null,
      createdAt: e.createdAt.toISOString(),
      claimedAt: e.claimedAt?.toISOString() ?? null,
      resolvedAt: e.resolvedAt?.toISOString() ?? null,
      waitingMs: waitingMs(e, now),
    })),
    counts: c ?? empty.counts,
    lastEventId: String(since),
  };
}

/** Everything staff need to help without asking again: the escalation, its requests and notes, and the transcript with feedback. */
export async function escalationDetail(db: Db, who: SessionStaff, escalationId: string) {
  const e = await escalationForStaff(db, who, escalationId, 'read');
  const since = await lastEventId(db);
  const [site] = await db.select({ name: sites.name }).from(sites).where(eq(sites.id, e.siteId));
  const assignee = e.assigneeId ? (await db.select({ id: staff.id, email: staff.email, displayName: staff.displayName }).from(staff).where(eq(staff.id, e.assigneeId)))[0] : undefined;
  const requests = await db
    .select({ trigger: escalationRequests.trigger, note: escalationRequests.note, createdAt: escalationRequests.createdAt })
    .from(escalationRequests)
    .where(eq(escalationRequests.escalationId, e.id))
    .orderBy(asc(escalationRequests.createdAt));
  const notes = await db
    .select({ id: escalationNotes.id, text: escalationNotes.text, createdAt: escalationNotes.createdAt, email: staff.email, displayName: staff.displayName })
    .from(escalationNotes)
    .leftJoin(staff, eq(staff.id, escalationNotes.staffId))
    .where(eq(escalationNotes.escalationId, e.id))
    .orderBy(asc(escalationNotes.createdAt));
  const transcript = await transcriptOf(db, e.conversationId, true);
  const [conv] = await db.select({ userId: conversations.userId, verified: conversations.userVerified, claims: conversations.userClaims }).from(conversations).where(eq(conversations.id, e.conversationId));
  return {
    /** The end user from `identify`: verified (signed by the site's server) or as the host page claimed. */
    user: conv?.userId ? { id: conv.userId, name: conv.claims?.name ?? null, email: conv.claims?.email ?? null, verified: conv.verified } : null,
    escalation: {
      id: e.id,
      siteId: e.siteId,
      siteName: site?.name ?? '',
      conversationId: e.conversationId,
      trigger: e.trigger,
      note: e.note,
      status: e.status,
      outcome: e.outcome,
      assignee: assignee ? { id: assignee.id, displayName: nameOf(assignee) ?? '' } : null,
      contactEmail: e.contactEmail,
      pageUrl: e.pageUrl,
      /** As the host page claimed it; not verified. */
      claimedIdentity: e.claimedIdentity ? { ...e.claimedIdentity, verified: false as const } : null,
      createdAt: e.createdAt.toISOString(),
      claimedAt: e.claimedAt?.toISOString() ?? null,
      firstHumanReplyAt: e.firstHumanReplyAt?.toISOString() ?? null,
      resolvedAt: e.resolvedAt?.toISOString() ?? null,
      waitingMs: waitingMs(e, Date.now()),
    },
    requests: requests.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
    notes: notes.map((n) => ({ id: n.id, text: n.text, author: nameOf(n), createdAt: n.createdAt.toISOString() })),
    transcript,
    lastEventId: String(since),
  };
}

/**
 * A conversation's messages in order; staff also see each answer's feedback and trace. An answer held
 * for human review is, for the widget, the decision's text, or while it is pending no text at all
 * (`checking`): the agent's own text of a pending or rejected draft never leaves this function for the widget.
 */
async function transcriptOf(db: Db, conversationId: string, forStaff: boolean) {
  const rows = await db
    .select({ m: messages, email: staff.email, displayName: staff.displayName, draftStatus: drafts.status, finalText: drafts.finalText })
    .from(messages)
    .leftJoin(staff, eq(staff.id, messages.staffId))
    .leftJoin(drafts, eq(drafts.messageId, messages.id))
    .where(eq(messages.conversationId, conversationId))
    .orderBy(asc(messages.sentAt), asc(messages.createdAt));
  const ratings = forStaff && rows.length
    ? await db
        .select({ messageId: feedback.messageId, rating: feedback.rating, reasons: feedback.reasons, comment: feedback.comment, createdAt: feedback.createdAt })
        .from(feedback)
        .where(inArray(feedback.messageId, rows.map((r) => r.m.id)))
        .orderBy(asc(feedback.sentAt))
    : [];
  return rows.map(({ m, email, displayName, draftStatus, finalText }) => ({
    messageId: m.clientEventId,
    role: m.role,
    text: draftStatus && !forStaff ? (draftStatus === 'pending' ? '' : (finalText ?? '')) : m.text,
    ...(draftStatus === 'pending' ? { checking: true as const } : {}),
    confidence: m.confidence,
    author: m.role === 'human' ? nameOf({ email, displayName }) : null,
    createdAt: m.sentAt.toISOString(),
    ...(forStaff
      ? {
          traceId: m.traceId,
          topic: m.topic,
          /** Under human review: the decision and the text the user saw (`text` stays the agent's own). */
          draft: draftStatus ? { status: draftStatus, finalText } : null,
          error: m.error,
          feedback: ratings.filter((f) => f.messageId === m.id).map(({ messageId: _, createdAt, ...f }) => ({ ...f, createdAt: createdAt.toISOString() })),
        }
      : {}),
  }));
}

/** What the widget shows after a reload: the transcript (with people's replies) and the handoff state. */
export async function conversationView(db: Db, site: { id: string; hours: import('../../shared/handoff').SiteHours | null }, conversationId: string) {
  const since = await lastEventId(db);
  const [latest] = await db
    .select({ e: escalations, email: staff.email, displayName: staff.displayName })
    .from(escalations)
    .leftJoin(staff, eq(staff.id, escalations.assigneeId))
    .where(eq(escalations.conversationId, conversationId))
    .orderBy(desc(escalations.createdAt))
    .limit(1);
  let escalation: { status: Escalation['status']; trigger: Escalation['trigger']; staff: { displayName: string } | null; position: number | null; createdAt: string; resolvedAt: string | null } | null = null;
  if (latest) {
    const { e } = latest;
    let position: number | null = null;
    if (e.status === 'queued') {
      const [ahead] = await db
        .select({ n: count() })
        .from(escalations)
        .where(and(eq(escalations.siteId, e.siteId), eq(escalations.status, 'queued'), lt(escalations.createdAt, e.createdAt)));
      position = (ahead?.n ?? 0) + 1;
    }
    const name = nameOf(latest);
    escalation = { status: e.status, trigger: e.trigger, staff: name ? { displayName: name } : null, position, createdAt: e.createdAt.toISOString(), resolvedAt: e.resolvedAt?.toISOString() ?? null };
  }
  const availability: HandoffAvailability = await handoffAvailability(db, site);
  return { conversationId, transcript: await transcriptOf(db, conversationId, false), escalation, availability, lastEventId: String(since) };
}
