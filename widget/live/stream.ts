/**
 * The live part of a handoff: a tRPC subscription over SSE to `conversation.onEvent`. Built as a file of its
 * own (`widget-live.js`) and loaded on first use, so pages where nobody asks for a person never download it.
 * It creates no Preact or signals state (two copies of those would not see each other): it only calls back.
 */
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import type { AppRouter } from '../../server/routers';
import type { HandoffEvent } from '../../shared/handoff';

export type LiveState = 'connecting' | 'open' | 'down';

export interface LiveOptions {
  apiUrl: string;
  /** A fresh stream ticket; called again on every reconnect, so an expired ticket never stops the stream. */
  ticket: () => Promise<string>;
  /** The id of the last event already shown, to resume after it. */
  lastEventId?: string;
  onEvent: (id: string, event: HandoffEvent) => void;
  onState: (state: LiveState) => void;
}

// Taken when this file loads, so a page that replaces `EventSource` later cannot break the stream. One that
// did so earlier (not native code) gets none: a detached realm's EventSource never connects, so the
// handoff reads the conversation every few seconds instead (see follow.ts).
const PageEventSource = globalThis.EventSource;
const nativeEventSource = typeof PageEventSource == 'function' && /\[native code]/.test(Function.prototype.toString.call(PageEventSource)) ? PageEventSource : undefined;

/** Opens the stream; returns the function that closes it, or undefined when this page cannot stream. */
export function openLive(o: LiveOptions): (() => void) | undefined {
  if (!nativeEventSource) return undefined;
  const client = createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${o.apiUrl.replace(/\/+$/, '')}/trpc`,
        EventSource: nativeEventSource,
        // Re-read on every reconnect; the conversation token itself never goes in a URL.
        connectionParams: async () => ({ ticket: await o.ticket() }),
      }),
    ],
  });
  const sub = client.conversation.onEvent.subscribe(
    { lastEventId: o.lastEventId ?? null },
    {
      onStarted: () => o.onState('open'),
      onData: ({ id, data }) => o.onEvent(id, data as unknown as HandoffEvent),
      onConnectionStateChange: (s) => o.onState(s.state === 'pending' ? 'open' : s.state === 'connecting' ? (s.error ? 'down' : 'connecting') : 'down'),
      onError: () => o.onState('down'),
    },
  );
  return () => sub.unsubscribe();
}

export type OpenLive = typeof openLive;
