/**
 * One escalation as staff work it: its detail (transcript, reason, context, notes), kept current by the
 * staff event log, and the actions on it. Events about this escalation or its conversation trigger a fresh
 * read; the stream stays open and resumes from its last event id after a drop.
 */
import { signal } from '@preact/signals';
import type { EscalationOutcome, HandoffEvent } from '../../../shared/handoff';
import { api, errorMessage } from '../../api/client';
import { followInbox } from '../../api/follow-inbox';
import { announce } from '../../shell/announcer';
import { canWork, me, sessionEnded } from '../../shell/session';

export type Detail = Awaited<ReturnType<typeof api.escalation.byId.query>>;
export type TranscriptEntry = Detail['transcript'][number];
export type Colleague = Awaited<ReturnType<typeof api.staff.list.query>>[number];

const REFRESH_DEBOUNCE_MS = 50;

export function createConversationModel(escalationId: string) {
  const detail = signal<Detail | null>(null);
  const error = signal<string | null>(null);
  const busy = signal(false);
  const colleagues = signal<Colleague[]>([]);

  let stop: (() => void) | null = null;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  async function load(): Promise<void> {
    try {
      const result = await api.escalation.byId.query({ escalationId });
      if (disposed) return;
      const first = !detail.value;
      detail.value = result;
      error.value = null;
      if (!stop) stop = followInbox(result.lastEventId, onEvent);
      if (first && canWork(me.value)) void loadColleagues(result.escalation.siteId);
    } catch (err) {
      if (!disposed && !sessionEnded(err)) error.value = `This handoff could not be loaded: ${errorMessage(err)}`;
    }
  }

  async function loadColleagues(siteId: string): Promise<void> {
    try {
      colleagues.value = (await api.staff.list.query({ siteId })).filter((c) => c.id !== me.value?.id);
    } catch {
      // Transfer stays unavailable; everything else works.
    }
  }

  function onEvent(event: HandoffEvent): void {
    const current = detail.value;
    const ours = event.escalationId === escalationId || (current && event.conversationId === current.escalation.conversationId);
    if (!ours) return;
    if (event.type === 'message.user') announce('New message from the user.');
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void load(), REFRESH_DEBOUNCE_MS);
  }

  /** Runs one action; on failure says why in a toast and leaves the view as the server has it. */
  async function act(what: string, run: () => Promise<unknown>, done?: string): Promise<boolean> {
    busy.value = true;
    try {
      await run();
      if (done) announce(done);
      await load();
      return true;
    } catch (err) {
      if (!sessionEnded(err)) announce(`${what} failed: ${errorMessage(err)}`, 'error');
      await load();
      return false;
    } finally {
      busy.value = false;
    }
  }

  return {
    detail,
    error,
    busy,
    colleagues,
    start: () => void load(),
    retry: () => void load(),
    claim: () => act('Claim', () => api.escalation.claim.mutate({ escalationId }), 'You claimed this handoff.'),
    unclaim: () => act('Unclaim', () => api.escalation.unclaim.mutate({ escalationId }), 'Back in the queue.'),
    transfer: (toStaffId: string) => act('Transfer', () => api.escalation.transfer.mutate({ escalationId, toStaffId }), 'Transferred.'),
    resolve: (outcome: EscalationOutcome) => act('Resolve', () => api.escalation.resolve.mutate({ escalationId, outcome }), 'Resolved.'),
    /** A client-made id, so that a retried send stores one reply. */
    reply: (text: string) => act('Sending the reply', () => api.escalation.reply.mutate({ escalationId, text, clientEventId: crypto.randomUUID() })),
    note: (text: string) => act('Adding the note', () => api.escalation.note.mutate({ escalationId, text }), 'Note added.'),
    dispose() {
      disposed = true;
      clearTimeout(refreshTimer);
      stop?.();
      stop = null;
    },
  };
}

export type ConversationModel = ReturnType<typeof createConversationModel>;
