/**
 * Follows the staff event log (`escalation.onInbox`) from a given event id. The SSE link reconnects by
 * itself and sends the last tracked id, so after a drop only the missed events arrive. Reports the
 * stream's state to the shell.
 */
import type { HandoffEvent } from '../../shared/handoff';
import { liveStatus } from '../shell/live-status';
import { sessionEnded } from '../shell/session';
import { api } from './client';

/** Starts following; returns the function that stops it (call it when the page unmounts). */
export function followInbox(fromEventId: string, onEvent: (event: HandoffEvent) => void): () => void {
  liveStatus.value = 'connecting';
  const sub = api.escalation.onInbox.subscribe(
    { lastEventId: fromEventId },
    {
      onStarted: () => (liveStatus.value = 'live'),
      onData: ({ data }) => onEvent(data as unknown as HandoffEvent),
      onConnectionStateChange: (state) => {
        if (state.state === 'pending') liveStatus.value = 'live';
        else if (state.state === 'connecting') liveStatus.value = state.error ? 'down' : 'connecting';
      },
      onError: (err) => {
        if (!sessionEnded(err)) liveStatus.value = 'down';
      },
    },
  );
  return () => {
    sub.unsubscribe();
    liveStatus.value = 'idle';
  };
}
