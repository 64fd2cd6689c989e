/**
 * Waits for the decisions on answers a person is checking: reads the conversation once (a decision made
 * while this page was away is in it), then follows its live stream for `draft.decided` events, reading
 * the conversation every few seconds while no stream can deliver. Stops by itself when nothing is pending.
 */
import type { Conversation } from '../models/conversation';
import { handoffApi, type HandoffApi } from './follow';
import { openLive as realOpenLive, type OpenLive } from './stream';

export interface DraftWaitOptions {
  conversation: Conversation;
  apiUrl: string;
  siteKey: string;
  /** The ids of the answers still being checked (read on every event). */
  pending: () => string[];
  /** Shows the decided text in place of the checking state. */
  decided: (messageId: string, text: string) => void;
  /** Called once nothing is pending any more (the wait has stopped). */
  done: () => void;
  /** Replace the HTTP calls and the stream (tests). */
  api?: HandoffApi;
  openLive?: OpenLive;
}

const POLL_MS = 3000;
/** Waits while the server does not know the conversation yet (the answer is still in the outbox). */
const RETRY_MS = [1000, 2000, 5000, 10_000];

/** Starts waiting; returns the function that stops. */
export function awaitDrafts(o: DraftWaitOptions): () => void {
  const api = o.api ?? handoffApi(o.apiUrl, o.siteKey);
  let stopped = false;
  let close: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;

  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(poll);
    close?.();
  };
  const settle = () => {
    if (!stopped && o.pending().length === 0) {
      stop();
      o.done();
    }
  };
  const apply = (messageId: unknown, text: unknown) => {
    if (typeof messageId == 'string' && typeof text == 'string' && o.pending().includes(messageId)) o.decided(messageId, text);
  };
  /** Reads the conversation; a decided answer is in it with its final text and without `checking`. */
  const read = async () => {
    const view = await api.conversation(o.conversation);
    for (const m of view.transcript as { messageId: string; text: string; checking?: boolean }[]) if (!m.checking) apply(m.messageId, m.text);
    settle();
    return view;
  };
  const polling = (on: boolean) => {
    clearInterval(poll);
    poll = on ? setInterval(() => void read().catch(() => {}), POLL_MS) : undefined;
  };

  const start = async (attempt: number): Promise<void> => {
    let view;
    try {
      view = await read();
    } catch {
      if (!stopped) timer = setTimeout(() => void start(attempt + 1), RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
      return;
    }
    if (stopped) return;
    close = (o.openLive ?? realOpenLive)({
      apiUrl: o.apiUrl,
      ticket: () => api.streamTicket(o.conversation),
      // Everything up to the view is in the view; the stream gives what comes after it.
      lastEventId: view.lastEventId,
      onEvent: (_id, e) => {
        if (e.type === 'draft.decided') apply(e.payload.messageId, e.payload.text);
        settle();
      },
      onState: (s) => polling(s === 'down'),
    });
    if (!close) polling(true);
  };
  void start(0);
  return stop;
}
