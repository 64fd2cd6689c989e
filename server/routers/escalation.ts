import { TRPCError, tracked } from '@trpc/server';
import {
  escalationIdInput,
  escalationListInput,
  escalationNoteInput,
  escalationReplyInput,
  escalationResolveInput,
  escalationTransferInput,
  inboxSubscriptionInput,
} from '../../shared/handoff';
import { addNote, claimEscalation, replyToEscalation, resolveEscalation, transferEscalation, unclaimEscalation } from '../domain/escalations';
import { escalationDetail, listEscalations } from '../domain/escalation-views';
import { sessionAlive, sessionStaff } from '../domain/sessions';
import { recordAuditOf, staffActor } from '../domain/audit';
import type { Context } from '../context';
import type { SessionStaff } from '../domain/sessions';
import { followEvents, parseEventId } from '../realtime/event-log';
import { router, staffProcedure } from '../trpc';

/** How often a live Inbox re-checks that its session is still valid. */
const SESSION_RECHECK_MS = 60_000;

/** Audits a staff action on an escalation after it succeeded (the row takes the escalation's site). */
async function audited<T>(ctx: Context & { staff: SessionStaff }, action: string, escalationId: string, result: T, details: Record<string, unknown> = {}): Promise<T> {
  await recordAuditOf(ctx.db, staffActor(ctx.staff, ctx), 'escalations', { action: `escalation.${action}`, targetType: 'escalation', targetId: escalationId, details });
  return result;
}

const summary = (e: { id: string; status: string; assigneeId: string | null; outcome: string | null }) => ({ id: e.id, status: e.status, assigneeId: e.assigneeId, outcome: e.outcome });

export const escalationRouter = router({
  /** The Inbox: escalations of the staff member's sites (queued, mine, open, resolved), counts, time waiting, and the event id to follow from. */
  list: staffProcedure.input(escalationListInput).query(({ ctx, input }) => listEscalations(ctx.db, ctx.staff, input)),

  /** One escalation with its requests, internal notes and the conversation's transcript (confidence, traceId, feedback). */
  byId: staffProcedure.input(escalationIdInput).query(({ ctx, input }) => escalationDetail(ctx.db, ctx.staff, input.escalationId)),

  /** Takes a queued escalation. Of concurrent claims exactly one wins; the others get CONFLICT naming who has it. */
  claim: staffProcedure
    .input(escalationIdInput)
    .mutation(async ({ ctx, input }) => audited(ctx, 'claim', input.escalationId, summary(await claimEscalation(ctx.db, ctx.staff, input.escalationId)))),

  /** Puts it back in the queue (assignee or admin). */
  unclaim: staffProcedure
    .input(escalationIdInput)
    .mutation(async ({ ctx, input }) => audited(ctx, 'unclaim', input.escalationId, summary(await unclaimEscalation(ctx.db, ctx.staff, input.escalationId)))),

  /** Hands it to another agent or admin of the site. */
  transfer: staffProcedure
    .input(escalationTransferInput)
    .mutation(async ({ ctx, input }) =>
      audited(ctx, 'transfer', input.escalationId, summary(await transferEscalation(ctx.db, ctx.staff, input.escalationId, input.toStaffId)), { toStaffId: input.toStaffId }),
    ),

  /** A reply the user sees live in the widget (assignee only). */
  reply: staffProcedure.input(escalationReplyInput).mutation(async ({ ctx, input }) => {
    const sent = await replyToEscalation(ctx.db, ctx.staff, input.escalationId, input.text, input.clientEventId);
    return audited(ctx, 'reply', input.escalationId, sent, { messageId: sent.messageId });
  }),

  /** An internal note: staff only, never sent to the widget. */
  note: staffProcedure.input(escalationNoteInput).mutation(async ({ ctx, input }) => {
    const note = await addNote(ctx.db, ctx.staff, input.escalationId, input.text);
    return audited(ctx, 'note', input.escalationId, note, { noteId: note.noteId });
  }),

  /** Closes it with an outcome (assignee, admin, or anyone while queued). */
  resolve: staffProcedure
    .input(escalationResolveInput)
    .mutation(async ({ ctx, input }) =>
      audited(ctx, 'resolve', input.escalationId, summary(await resolveEscalation(ctx.db, ctx.staff, input.escalationId, input.outcome)), { outcome: input.outcome }),
    ),

  /**
   * Live events of the staff member's sites (both audiences: notes included), each `tracked` by its
   * event id; resumes after `lastEventId`. While it is open, an agent or admin counts as online.
   */
  onInbox: staffProcedure.input(inboxSubscriptionInput).subscription(async function* ({ ctx, input, signal }) {
    const bus = ctx.bus;
    if (!bus) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Live updates are not running on this server.' });
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal?.addEventListener('abort', abort, { once: true });
    // A stream outlives requests: end it when its session ends (sign-out, idle or absolute timeout).
    const sessionId = ctx.sessionId!;
    const recheck = setInterval(() => void sessionStaff(ctx.db, sessionId).then((s) => !s && stop.abort(), () => {}), SESSION_RECHECK_MS);
    recheck.unref();
    const leave = ctx.staff.role === 'reviewer' ? null : await ctx.presence.enter(ctx.staff.id);
    try {
      for await (const event of followEvents(ctx.db, bus, { siteIds: ctx.staff.siteIds }, parseEventId(input.lastEventId), stop.signal)) {
        // Nothing more reaches a session that ended (logout, password change, disabled account) on any instance.
        if (!(await sessionAlive(ctx.db, sessionId))) break;
        yield tracked(String(event.id), event);
      }
    } finally {
      clearInterval(recheck);
      signal?.removeEventListener('abort', abort);
      await leave?.();
    }
  }),
});
