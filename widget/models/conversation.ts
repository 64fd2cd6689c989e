/**
 * The conversation this tab is in. The widget mints it (id + secret token) so it works offline; the server
 * binds the token to the id the first time it sees them. Kept per site key in sessionStorage so a reload
 * continues the same conversation.
 */
import type { Signal } from '../../shared/schemas';
import { secretToken, uuid } from '../ids';
import { readSession, writeSession } from '../storage';

export interface Conversation {
  id: string;
  token: string;
}

/** The tab's conversation, which a verified user may switch to an earlier one of theirs. */
export interface TabConversation extends Conversation {
  set(c: Conversation): void;
}

/** The fields `stamp` fills in on every signal. */
type Stamped = 'clientEventId' | 'conversationId' | 'conversationToken' | 'createdAt';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The sessionStorage key of a site's state, so two widgets on one page never share a conversation. */
export const storageKey = (siteKey: string, what: string): string => `backstop:${siteKey}:${what}`;

/** The conversation of this tab for the site, or a new one when there is none (or it is unreadable). */
export function loadConversation(siteKey: string): Conversation {
  const key = storageKey(siteKey, 'conversation');
  const stored = readSession<Partial<Conversation>>(key);
  if (stored && typeof stored.id === 'string' && UUID.test(stored.id) && typeof stored.token === 'string' && stored.token.length >= 16) {
    return { id: stored.id, token: stored.token };
  }
  const fresh = { id: uuid(), token: secretToken() };
  writeSession(key, fresh);
  return fresh;
}

/**
 * The same conversation, read (or minted) only when first used: the first sessionStorage access of a
 * page can be a slow synchronous call, which start-up should not pay for.
 */
export function lazyConversation(siteKey: string): TabConversation {
  let conversation: Conversation | undefined;
  const get = () => (conversation ??= loadConversation(siteKey));
  return {
    set(c) {
      writeSession(storageKey(siteKey, 'conversation'), (conversation = { id: c.id, token: c.token }));
    },
    get id() {
      return get().id;
    },
    get token() {
      return get().token;
    },
  };
}

/** A complete signal from its body: a fresh clientEventId, the conversation's id and token, and the time. */
export function stamp<S extends Signal>(conversation: Conversation, body: Omit<S, Stamped>): S {
  return {
    ...body,
    clientEventId: uuid(),
    conversationId: conversation.id,
    conversationToken: conversation.token,
    createdAt: new Date().toISOString(),
  } as S;
}
