import { draftEditInput, draftIdInput, draftListInput, draftRejectInput } from '../../shared/trust';
import { staffActor } from '../domain/audit';
import { decideDraft, listDrafts, openDraft } from '../domain/drafts';
import { router, staffProcedure } from '../trpc';

/**
 * Answers held for human review. Every role of a site may read the queue (as they may read its
 * conversations); only agents and admins open and decide, since opening starts the reading time that
 * the decision records. Decisions are audited in their own transaction (see domain/drafts.ts).
 */
export const draftRouter = router({
  /** Pending drafts of the staff member's sites, oldest first, with the question, the draft, topic, confidence, trace and waiting time. */
  list: staffProcedure.input(draftListInput).query(({ ctx, input }) => listDrafts(ctx.db, ctx.staff, input)),

  /** Marks the draft as opened (the first time only): its reading time runs from here to the decision. */
  open: staffProcedure.input(draftIdInput).mutation(({ ctx, input }) => openDraft(ctx.db, ctx.staff, input.draftId)),

  /** Shows the agent's text to the user as it is. */
  approve: staffProcedure.input(draftIdInput).mutation(({ ctx, input }) => decideDraft(ctx.db, ctx.staff, staffActor(ctx.staff, ctx), input.draftId, 'approve')),

  /** Shows the reviewer's edited text instead of the agent's. */
  edit: staffProcedure.input(draftEditInput).mutation(({ ctx, input }) => decideDraft(ctx.db, ctx.staff, staffActor(ctx.staff, ctx), input.draftId, 'edit', input.text)),

  /** Rejects the agent's text; the user sees the replacement (required) instead. */
  reject: staffProcedure.input(draftRejectInput).mutation(({ ctx, input }) => decideDraft(ctx.db, ctx.staff, staffActor(ctx.staff, ctx), input.draftId, 'reject', input.text)),
});
