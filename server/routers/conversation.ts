import { TRPCError, tracked } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { conversationAccessInput, conversationEventsInput } from '../../shared/handoff';
import { mineInput } from '../../shared/identity';
import type { Db } from '../db/client';
import { conversations, sites } from '../db/schema';
import { conversationView } from '../domain/escalation-views';
import { originAllowed } from '../domain/origins';
import { tokenOpens } from '../domain/conversation-access';
import { conversationNotFound, listMine } from '../domain/identity-users';
import { checkTicket, issueTicket } from '../domain/stream-tickets';
import { followEvents, parseEventId } from '../realtime/event-log';
import { domainError, publicProcedure, router, widgetProcedure } from '../trpc';

/**
 * Checks the conversation's token, or the access token its verified user got on another device (hash
 * compare); the same answer for an unknown conversation, another site's conversation and a wrong token.
 */
async function assertConversationToken(db: Db, siteId: string, conversationId: string, token: string): Promise<void> {
  const [row] = await db.select({ tokenHash: conversations.tokenHash }).from(conversations).where(and(eq(conversations.id, conversationId), eq(conversations.siteId, siteId)));
  if (!row || !tokenOpens(row.tokenHash, token)) throw domainError(conversationNotFound(conversationId));
}

export const conversationRouter = router({
  /**
   * The conversation as the widget shows it after a reload: transcript (with people's replies), the
   * handoff state (status, who joined, queue position), whether anyone is online, and the event id to
   * follow from. Must be sent as POST (httpBatchLink `methodOverride: 'POST'`): the token may not be in a URL.
   */
  byId: widgetProcedure.input(conversationAccessInput).query(async ({ ctx, input }) => {
    if (ctx.method === 'GET') throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'Send conversation.byId as a POST so that the conversation token stays out of URLs.' });
    await assertConversationToken(ctx.db, ctx.site.id, input.conversationId, input.conversationToken);
    return conversationView(ctx.db, ctx.site, input.conversationId);
  }),

  /**
   * A verified user's earlier conversations (newest first, with a preview), each with a token that opens it
   * on this device: the user's identity token is the proof. An identity that does not verify gets an empty
   * list, exactly like a verified user with no conversations. POST only, like byId (the token stays out of URLs).
   */
  mine: widgetProcedure.input(mineInput).mutation(({ ctx, input }) => listMine(ctx.db, ctx.site.id, input.userId, input.token)),

  /** Trades the conversation token (in a POST body) for a short-lived ticket that opens only this conversation's live stream. */
  streamTicket: widgetProcedure.input(conversationAccessInput).mutation(async ({ ctx, input }) => {
    await assertConversationToken(ctx.db, ctx.site.id, input.conversationId, input.conversationToken);
    return issueTicket(ctx.db, input.conversationId);
  }),

  /**
   * Live events the end user may see (staff joined, replies, resolved), `tracked` by event id and
   * resumable with `lastEventId`. Internal notes and other staff-only events are never sent. The
   * ticket comes from `streamTicket`, in the input or (better, fresh on each reconnect) in connectionParams.
   */
  onEvent: publicProcedure.input(conversationEventsInput).subscription(async function* ({ ctx, input, signal }) {
    const bus = ctx.bus;
    if (!bus) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Live updates are not running on this server.' });
    const given = input.ticket ?? ctx.connectionParams?.ticket;
    if (!given) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Send a stream ticket (from conversation.streamTicket) as input.ticket or connectionParams.ticket.' });
    const ticket = await checkTicket(ctx.db, given);
    if (!ticket.ok) throw new TRPCError({ code: 'UNAUTHORIZED', message: ticket.message });
    const [row] = await ctx.db
      .select({ siteId: conversations.siteId, allowedOrigins: sites.allowedOrigins })
      .from(conversations)
      .innerJoin(sites, eq(sites.id, conversations.siteId))
      .where(eq(conversations.id, ticket.conversationId));
    if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `No conversation '${ticket.conversationId}'.` });
    if (ctx.origin && !originAllowed(row.allowedOrigins, ctx.origin)) throw new TRPCError({ code: 'FORBIDDEN', message: `Origin ${ctx.origin} is not allowed for this site.` });
    const filter = { siteIds: [row.siteId], conversationId: ticket.conversationId, widgetOnly: true };
    for await (const event of followEvents(ctx.db, bus, filter, parseEventId(input.lastEventId), signal)) yield tracked(String(event.id), event);
  }),
});
