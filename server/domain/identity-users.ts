/**
 * End users the host page identifies. A verified identity (a token from the customer's server) binds the
 * conversation to the user for good: it never goes back to unverified, and another verified user cannot
 * take it over. An unverified one is kept as a claim (shown to staff as unverified) when the site's mode is
 * `optional`, and ignored when it is `required`. Only a verified user may list and open their conversations
 * from another device; a claim never opens anything.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { IdentifyInput, IdentifyResult, IdentityMode, MyConversation } from '../../shared/identity';
import type { Db } from '../db/client';
import { conversations, drafts, messages } from '../db/schema';
import { accessTokenFor, tokenOpens } from './conversation-access';
import { FieldError } from './errors';
import { verifyIdentityToken } from './identity';
import { usableSecrets } from './identity-secrets';
import { sha256 } from './secrets';

/** How many earlier conversations `listMine` returns, newest first. */
export const MINE_LIMIT = 20;
const PREVIEW_CHARS = 140;
/** The preview of a conversation whose last answer waits for a person's review (its text is not the user's to see yet). */
export const CHECKING_PREVIEW = 'A specialist is checking this answer';

/** The answer to a wrong token, a foreign site's conversation and an unknown id alike. */
export const conversationNotFound = (conversationId: string) => new FieldError('NOT_FOUND', `No conversation '${conversationId}' with this token on this site.`);

/**
 * Reads the conversation for a caller holding `token`, registering it first when the id is new (as a first
 * signal would). Another site's conversation and a wrong token are NOT_FOUND, like an id nobody used.
 */
export async function openConversation(db: Db, siteId: string, conversationId: string, token: string) {
  await db.insert(conversations).values({ id: conversationId, siteId, tokenHash: sha256(token) }).onConflictDoNothing({ target: conversations.id });
  const [row] = await db.select().from(conversations).where(and(eq(conversations.id, conversationId), eq(conversations.siteId, siteId)));
  if (!row || !tokenOpens(row.tokenHash, token)) throw conversationNotFound(conversationId);
  return row;
}

/** Verifies the identity and binds it to the conversation as the site's mode says; see the module comment. */
export async function identify(db: Db, site: { id: string; identityMode: IdentityMode }, input: IdentifyInput): Promise<IdentifyResult> {
  const verdict = input.token ? await verifyIdentityToken(await usableSecrets(db, site.id), input.userId, input.token) : ({ verified: false, reason: 'no_token' } as const);
  const claims: Record<string, string> = {};
  if (input.name) claims.name = input.name;
  if (input.email) claims.email = input.email;
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const row = await openConversation(t, site.id, input.conversationId, input.conversationToken);
    const where = eq(conversations.id, row.id);
    if (verdict.verified) {
      if (row.userVerified && row.userId !== input.userId)
        throw new FieldError('CONFLICT', 'This conversation belongs to another signed-in user; start a new conversation for this one.');
      // Earlier claims are kept only when they were made for this same user id.
      const earlier = row.userId === input.userId ? row.userClaims : null;
      await t.update(conversations).set({ userId: input.userId, userVerified: true, userClaims: Object.keys(claims).length ? claims : earlier }).where(where);
      return { verified: true };
    }
    // Never downgrade a verified binding, and in `required` mode keep nothing of an unverified identity.
    if (!row.userVerified && site.identityMode === 'optional') await t.update(conversations).set({ userId: input.userId, userVerified: false, userClaims: claims }).where(where);
    return { verified: false, reason: verdict.reason };
  });
}

/**
 * A verified user's conversations that have messages, newest first, each with the access token that opens
 * it on the calling device. An identity that does not verify gets an empty list, the same as a user with none.
 */
export async function listMine(db: Db, siteId: string, userId: string, token: string): Promise<MyConversation[]> {
  const verdict = await verifyIdentityToken(await usableSecrets(db, siteId), userId, token);
  if (!verdict.verified) return [];
  const rows = await db
    .select({ id: conversations.id, createdAt: conversations.createdAt, tokenHash: conversations.tokenHash })
    .from(conversations)
    .where(and(eq(conversations.siteId, siteId), eq(conversations.userId, userId), eq(conversations.userVerified, true)))
    .orderBy(desc(conversations.createdAt))
    .limit(MINE_LIMIT * 2);
  if (rows.length === 0) return [];
  const latest = await db
    // The newest by the time it was written (sentAt): one batch stores several messages in one transaction, with one created_at.
    .selectDistinctOn([messages.conversationId], { conversationId: messages.conversationId, text: messages.text, createdAt: messages.sentAt, draftStatus: drafts.status, finalText: drafts.finalText })
    .from(messages)
    // An answer held for human review previews as the widget shows it: the decision's text, or none while pending.
    .leftJoin(drafts, eq(drafts.messageId, messages.id))
    .where(and(eq(messages.siteId, siteId), inArray(messages.conversationId, rows.map((r) => r.id))))
    .orderBy(messages.conversationId, desc(messages.sentAt), desc(messages.createdAt));
  const byId = new Map(latest.map((m) => [m.conversationId, m]));
  return rows
    .filter((r) => byId.has(r.id))
    .slice(0, MINE_LIMIT)
    .map((r) => {
      const last = byId.get(r.id)!;
      const text = last.draftStatus ? (last.draftStatus === 'pending' ? CHECKING_PREVIEW : (last.finalText ?? '')) : last.text;
      return {
        conversationId: r.id,
        startedAt: r.createdAt.toISOString(),
        preview: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text,
        lastMessageAt: last.createdAt.toISOString(),
        accessToken: accessTokenFor(r.tokenHash),
      };
    });
}
