/**
 * Follows a conversation that has an escalation: reads its state (`conversation.byId`), then its live
 * events from the last one shown, and reports both to the widget's handoff model. Each event is applied
 * once: ids at or below the last one seen are ignored, and the last id is kept per conversation in
 * localStorage, so a dropped stream (tRPC resumes it with `lastEventId`) or a reload shows nothing twice.
 */
import type { EscalationStatus, HandoffEvent } from '../../shared/handoff';
import { cleanFetch } from '../clean';
import { liveEventKey as key, type Conversation } from '../models/conversation';
import type { HandoffItem } from '../models/handoff';
import { openLive as realOpenLive, type LiveState, type OpenLive } from './stream';

/** What the widget reads back about its conversation (`conversation.byId`). */
export interface ConversationView {
  transcript: { messageId: string; role: string; text: string; author: string | null }[];
  escalation: { status: EscalationStatus; staff: { displayName: string } | null; position: number | null } | null;
  availability: { nobodyOnline: boolean };
  lastEventId: string;
}

/** The two calls a handoff makes besides the stream; both POST, so the conversation token stays out of URLs. */
export interface HandoffApi {
  conversation(c: Conversation): Promise<ConversationView>;
  streamTicket(c: Conversation): Promise<string>;
}

/** tRPC's wire format for one call sent as a POST (the server allows queries as POST for the widget). */
export function handoffApi(apiUrl: string, siteKey: string, fetchFn: typeof fetch = cleanFetch!): HandoffApi {
  const call = async <T>(path: string, c: Conversation): Promise<T> => {
    const res = await fetchFn(`${apiUrl.replace(/\/+$/, '')}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-backstop-key': siteKey },
      body: JSON.stringify({ conversationId: c.id, conversationToken: c.token }),
    });
    const body = (await res.json().catch(() => null)) as { result?: { data: T }; error?: { message?: string } } | null;
    if (!res.ok || !body?.result) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
    return body.result.data;
  };
  return {
    conversation: (c) => call('conversation.byId', c),
    streamTicket: async (c) => (await call<{ ticket: string }>('conversation.streamTicket', c)).ticket,
  };
}

/** What the handoff shows, as far as the server told us. */
export interface HandoffState {
  status?: EscalationStatus;
  position?: number | null;
  staffName?: string;
  nobodyOnline?: boolean;
  live?: LiveState;
}

export interface FollowOptions {
  conversation: Conversation;
  apiUrl: string;
  siteKey: string;
  /** Replaces the HTTP calls (tests). */
  api?: HandoffApi;
  set: (state: HandoffState) => void;
  /** Adds a row to the transcript (rows already there are skipped by the transcript). */
  show: (item: HandoffItem) => void;
  openLive?: OpenLive;
}

/** How often the conversation is read while its live stream is down or impossible. */
const POLL_MS = 3000;

/** Waits between attempts to read a conversation the server does not have yet (the request is still in the outbox). */
const RETRY_MS = [1000, 2000, 5000, 10_000, 15_000];

export const joinedText = (name: string): string => `${name} from Support joined`;
export const RESOLVED_TEXT = 'This conversation was resolved';

/** The id of the last event shown in a conversation, if one was kept. */
export function lastEventIdOf(conversationId: string): string | undefined {
  try {
    return localStorage.getItem(key(conversationId)) ?? undefined;
  } catch {
    return undefined;
  }
}
function keep(conversationId: string, id: string): void {
  try {
    localStorage.setItem(key(conversationId), id);
  } catch {
    // Without storage a reload replays from the conversation's state; people's replies are still shown once (by id).
  }
}

/** Starts following; returns the function that stops. */
export function follow(o: FollowOptions): () => void {
  const { conversation } = o;
  const api = o.api ?? handoffApi(o.apiUrl, o.siteKey);
  let seen = 0;
  let stopped = false;
  let close: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  let status: EscalationStatus | undefined;

  /** Reads the conversation; `polling`, when it stands in for the stream, also says what the events would have. */
  const refresh = async (polling = false): Promise<ConversationView> => {
    const view = await api.conversation(conversation);
    const e = view.escalation;
    o.set({ nobodyOnline: view.availability.nobodyOnline, ...(e ? { status: e.status, position: e.position, staffName: e.staff?.displayName } : {}) });
    for (const m of view.transcript) if (m.role === 'human') o.show({ type: 'human', id: m.messageId, text: m.text, author: m.author ?? 'Support' });
    if (polling && e && e.status !== status) {
      // Keyed by the last event, as the stream's notice of that event would be, so a stream that comes back shows it once.
      const id = `ev${view.lastEventId}`;
      if (e.status === 'claimed' && e.staff) o.show({ type: 'notice', id, text: joinedText(e.staff.displayName) });
      if (e.status === 'resolved') o.show({ type: 'notice', id, text: RESOLVED_TEXT });
    }
    if (e) status = e.status;
    if (polling && Number(view.lastEventId) > seen) {
      // What was read counts as seen: a stream that comes back skips those events.
      seen = Number(view.lastEventId);
      keep(conversation.id, view.lastEventId);
    }
    return view;
  };
  /** Reads the conversation every few seconds while the stream cannot deliver (a proxy that buffers it, no EventSource). */
  const pollWhile = (down: boolean) => {
    if (down) poll ??= setInterval(() => void refresh(true).catch(() => {}), POLL_MS);
    else {
      clearInterval(poll);
      poll = undefined;
    }
  };

  const apply = (id: string, e: HandoffEvent) => {
    const n = Number(id);
    if (!(n > seen)) return;
    seen = n;
    keep(conversation.id, id);
    const p = e.payload as { staff?: { displayName?: string }; messageId?: string; text?: string };
    const name = p.staff?.displayName ?? 'Someone';
    // The status the stream reports is what polling compares against, so a poll after a cut stream does not
    // announce again what the stream already showed.
    if (e.type === 'escalation.created' || e.type === 'escalation.unclaimed') {
      status = 'queued';
      o.set({ status, staffName: undefined });
      refresh().catch(() => {});
    } else if (e.type === 'escalation.claimed' || e.type === 'escalation.transferred') {
      status = 'claimed';
      o.set({ status, staffName: name });
      o.show({ type: 'notice', id: `ev${id}`, text: joinedText(name) });
    } else if (e.type === 'message.human' && p.messageId && p.text) {
      o.show({ type: 'human', id: p.messageId, text: p.text, author: name });
    } else if (e.type === 'escalation.resolved') {
      status = 'resolved';
      o.set({ status });
      o.show({ type: 'notice', id: `ev${id}`, text: RESOLVED_TEXT });
    }
  };

  const start = async (attempt: number): Promise<void> => {
    let view: ConversationView | undefined;
    try {
      view = await refresh();
    } catch {
      // Not stored yet, or unreachable: try again.
    }
    if (stopped) return;
    if (!view?.escalation) {
      timer = setTimeout(() => void start(attempt + 1), RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
      return;
    }
    // The view already shows everything up to its id; a kept id resumes where this tab left off.
    const kept = lastEventIdOf(conversation.id);
    seen = Number(kept ?? view.lastEventId) || 0;
    // A person who took the request before this tab followed it joined in an event the stream will not
    // replay (it starts after the view): say so once, as the event would have.
    const e = view.escalation;
    if (kept === undefined && e.status === 'claimed' && e.staff) o.show({ type: 'notice', id: `ev${seen}`, text: joinedText(e.staff.displayName) });
    status = e.status;
    o.set({ live: 'connecting' });
    close = (o.openLive ?? realOpenLive)({
      apiUrl: o.apiUrl,
      ticket: async () => api.streamTicket(conversation),
      lastEventId: String(seen),
      onEvent: apply,
      onState: (live) => {
        o.set({ live });
        pollWhile(live === 'down');
      },
    });
    if (!close) {
      // No stream on this page: following by reading is still following, so nothing says "Reconnecting".
      o.set({ live: 'open' });
      pollWhile(true);
    }
  };
  void start(0);
  return () => {
    stopped = true;
    clearTimeout(timer);
    pollWhile(false);
    close?.();
  };
}

/** What the user reads about a request for a person once the server has it. */
export function statusText(s: HandoffState & { contactEmail?: string }): string {
  if (s.status === 'resolved') return '';
  const text =
    s.status === 'claimed'
      ? `You're talking with ${s.staffName ?? 'a person'} from Support.`
      : s.nobodyOnline
        ? `Nobody from our team is online right now. Your request is queued; we'll answer ${s.contactEmail ? `by email at ${s.contactEmail}` : 'here'} as soon as someone is back.`
        : `Waiting for a person${s.position ? `. You're number ${s.position} in the queue` : ''}.`;
  return s.live === 'down' ? `${text} Reconnecting…` : text;
}
