/**
 * `Backstop('identify', …)` once the panel opens: the identity goes to the server with the conversation's
 * token (`identity.verify`), and a verified user gets "Earlier conversations": their other conversations on
 * this site, from any device, each opened with the access token the server gives for it. An unverified
 * identity only earns the developer a console warning; the user sees nothing different.
 */
import type { ComponentChild, h as hFn } from 'preact';
import type { IdentifyResult, MyConversation } from '../../shared/identity';
import type { ChatItem } from '../models/chat';
import type { Conversation } from '../models/conversation';
import { cleanFetch } from '../clean';
import { warn } from '../warn';
import { handoffApi } from './follow';

/** What the host page passed to `identify` (checked by the server). */
export type Identity = Record<string, unknown>;

export interface IdentifyOptions {
  apiUrl: string;
  siteKey: string;
  conversation: Conversation;
  identity: Identity;
  h: typeof hFn;
  /** Shows (or, with undefined, removes) the "Earlier conversations" component in the panel. */
  show(view: (() => ComponentChild) | undefined): void;
  /** Makes `c` the tab's conversation, with its transcript so far. */
  open(c: Conversation, items: ChatItem[]): void;
  fetch?: typeof fetch;
}

/** Verifies the identity and, for a verified user with earlier conversations, shows them. */
export async function identify(o: IdentifyOptions): Promise<void> {
  const post = async <T>(path: string, input: unknown): Promise<T> => {
    // The browser's own fetch, not one the host page may have wrapped: the identity token goes through it.
    const res = await (o.fetch ?? cleanFetch!)(`${o.apiUrl.replace(/\/+$/, '')}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-backstop-key': o.siteKey },
      body: JSON.stringify(input),
    });
    const body = (await res.json().catch(() => null)) as { result?: { data: T }; error?: { message?: string } } | null;
    if (!body?.result) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
    return body.result.data;
  };
  const { userId, name, email, token } = o.identity;
  const result = await post<IdentifyResult>('identity.verify', { conversationId: o.conversation.id, conversationToken: o.conversation.token, userId, name, email, token });
  if (!result.verified) return warn(`identify: the user is not verified (${result.reason}); the conversation is treated as unverified.`);
  const list = (await post<MyConversation[]>('conversation.mine', { userId, token })).filter((c) => c.conversationId !== o.conversation.id);
  if (list.length) o.show(() => view(o, list));
}

const label = (c: MyConversation) => `${new Date(c.lastMessageAt ?? c.startedAt).toLocaleDateString()} · ${c.preview ?? ''}`;

function view(o: IdentifyOptions, list: MyConversation[]): ComponentChild {
  const { h } = o;
  const openOne = async (c: MyConversation) => {
    const conv = { id: c.conversationId, token: c.accessToken };
    const read = await handoffApi(o.apiUrl, o.siteKey, o.fetch).conversation(conv);
    // Agent answers come back without their confidence, so they are shown as plain replies, not re-rated.
    const items: ChatItem[] = read.transcript.map((m) =>
      m.role === 'user' ? { type: 'user', id: m.messageId, text: m.text } : { type: 'human', id: m.messageId, text: m.text, author: m.author ?? 'Assistant' },
    );
    o.show(undefined);
    o.open(conv, items);
  };
  // Text nodes only: previews are what users and agents wrote.
  return h(
    'section',
    { class: 'fb', 'aria-label': 'Earlier conversations' },
    h('p', { class: 'note' }, 'Earlier conversations'),
    list.map((c) =>
      h('button', { type: 'button', class: 'chip', key: c.conversationId, onClick: () => void openOne(c).catch((e: unknown) => warn('could not open the conversation:', e)) }, label(c)),
    ),
  );
}
