/**
 * Follows the staff event log (`escalation.onInbox`) from a given event id and reports the stream's state
 * to the shell. After a drop the SSE link reconnects by itself and sends the last tracked id, so only the
 * missed events arrive. When the browser says it went offline, the stream is closed at once (a dead
 * connection could otherwise look open until the inactivity timeout) and reopened from the last event
 * seen when it is back online.
 */
import type { HandoffEvent } from '../../shared/handoff';
import { liveStatus } from '../shell/live-status';
import { sessionEnded } from '../shell/session';
import { api } from './client';

/** Starts following; returns the function that stops it (call it when the page unmounts). */
export function followInbox(fromEventId: string, onEvent: (event: HandoffEvent) => void): () => void {
  let last = fromEventId;
  let sub: { unsubscribe(): void } | null = null;

  const open = () => {
    liveStatus.value = 'connecting';
    sub = api.escalation.onInbox.subscribe(
      { lastEventId: last },
      {
        onStarted: () => (liveStatus.value = 'live'),
        onData: ({ id, data }) => {
          last = id;
          onEvent(data as unknown as HandoffEvent);
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'pending') liveStatus.value = 'live';
          else if (state.state === 'connecting') liveStatus.value = state.error ? 'down' : 'connecting';
        },
        onError: (err) => {
          if (!sessionEnded(err)) liveStatus.value = 'down';
        },
      },
    );
  };
  const close = () => {
    sub?.unsubscribe();
    sub = null;
  };
  const offline = () => {
    close();
    liveStatus.value = 'down';
  };
  const online = () => {
    close();
    open();
  };

  if (navigator.onLine === false) liveStatus.value = 'down';
  else open();
  addEventListener('offline', offline);
  addEventListener('online', online);
  return () => {
    removeEventListener('offline', offline);
    removeEventListener('online', online);
    close();
    liveStatus.value = 'idle';
  };
}
