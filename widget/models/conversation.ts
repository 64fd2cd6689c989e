/**
 * The conversation this tab is in. The widget mints it (id + secret token) so it works offline; the server
 * binds the token to the id the first time it sees them. Kept per site key in sessionStorage so a reload
 * continues the same conversation.
 */
import type { Signal } from '../../shared/schemas';
import { secretToken, uuid } from '../ids';
import { readSession, removeSession, writeSession } from '../storage';

export interface Conversation {
  id: string;
  token: string;
}

/** The tab's conversation, which a verified user may switch to an earlier one of theirs. */
export interface TabConversation extends Conversation {
  set(c: Conversation): void;
  /**
   * Ends this tab's conversation for the site (`Backstop('reset')`): removes it from storage, with the live
   * event ids of every conversation this object was, so the next object for the site starts a new one. This
   * object keeps the conversation it had: a late caller can only write into the old conversation, never the next.
   */
  forget(): void;
}

/** The fields `stamp` fills in on every signal. */
type Stamped = 'clientEventId' | 'conversationId' | 'conversationToken' | 'createdAt';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The sessionStorage key of a site's state, so two widgets on one page never share a conversation. */
export const storageKey = (siteKey: string, what: string): string => `backstop:${siteKey}:${what}`;

/** The localStorage key of the last live event shown in a conversation (widget-live.js keeps it). */
export const liveEventKey = (conversationId: string): string => `backstop:live:${conversationId}`;

/** The conversation of this tab for the site, or a new one when there is none (or it is unreadable). */
export function loadConversation(siteKey: string): Conversation {
  const key = storageKey(siteKey, 'conversation');
  const stored = storedConversation(key);
  if (stored) return stored;
  const fresh = newConversation();
  writeSession(key, fresh);
  return fresh;
}

/** The well-formed conversation stored under `key`, if any. */
function storedConversation(key: string): Conversation | undefined {
  const stored = readSession<Partial<Conversation>>(key);
  if (stored && typeof stored.id === 'string' && UUID.test(stored.id) && typeof stored.token === 'string' && stored.token.length >= 16) {
    return { id: stored.id, token: stored.token };
  }
  return undefined;
}

const newConversation = (): Conversation => ({ id: uuid(), token: secretToken() });

/**
 * The same conversation, read (or minted) only when first used: the first sessionStorage access of a
 * page can be a slow synchronous call, which start-up should not pay for.
 */
export function lazyConversation(siteKey: string): TabConversation {
  const key = storageKey(siteKey, 'conversation');
  let conversation: Conversation | undefined;
  // Every conversation this tab was in through this object (an earlier one opened replaces the first).
  const ids = new Set<string>();
  const get = () => {
    if (!conversation) ids.add((conversation = loadConversation(siteKey)).id);
    return conversation;
  };
  return {
    set(c) {
      writeSession(key, (conversation = { id: c.id, token: c.token }));
      ids.add(c.id);
    },
    forget() {
      // Not read yet: pinned to the stored one (an earlier page's), or to one that is never stored.
      ids.add((conversation ??= storedConversation(key) ?? newConversation()).id);
      ids.forEach((id) => removeSession(liveEventKey(id), true));
      removeSession(key);
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
