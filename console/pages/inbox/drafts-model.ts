/**
 * The drafts queue's state: answers held for human review, oldest first, re-read when the Inbox stream
 * says a draft arrived or left (another agent decided it). Decisions are one call each; a refusal keeps
 * the server's sentence ("This draft was already approved by Maya (maya@…)") for the card that asked.
 */
import { signal } from '@preact/signals';
import type { HandoffEvent } from '../../../shared/handoff';
import type { DraftDecision, DraftList, PendingDraft } from '../../../shared/trust';
import { api, errorMessage } from '../../api/client';
import { announce } from '../../shell/announcer';
import { sessionEnded } from '../../shell/session';

const REFRESH_DEBOUNCE_MS = 50;
const TICK_MS = 15_000;

/** What each decision is called on screen, after it was made. */
export const DECIDED_LABEL: Record<string, string> = { approved: 'approved', edited: 'edited and approved', rejected: 'rejected' };

export function createDraftsModel(selfId: () => string | undefined) {
  const list = signal<DraftList | null>(null);
  const error = signal<string | null>(null);
  const loading = signal(true);
  /** Per draft: a decision on its way, and the last refusal. */
  const busy = signal<ReadonlySet<string>>(new Set());
  const refusals = signal<Readonly<Record<string, string>>>({});
  const readAt = signal(Date.now());
  const now = signal(Date.now());
  const opened = new Set<string>();
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let reads = 0;
  const tick = setInterval(() => (now.value = Date.now()), TICK_MS);

  async function load(): Promise<void> {
    const mine = ++reads;
    try {
      const result = await api.draft.list.query({});
      if (mine !== reads) return;
      list.value = result;
      readAt.value = now.value = Date.now();
      error.value = null;
    } catch (err) {
      if (mine === reads && !sessionEnded(err)) error.value = `The drafts could not be loaded: ${errorMessage(err)}`;
    } finally {
      if (mine === reads) loading.value = false;
    }
  }

  function onEvent(event: HandoffEvent): void {
    if (event.type !== 'draft.created' && event.type !== 'draft.closed') return;
    if (event.type === 'draft.created') announce(`New draft to review${event.payload.topic ? ` (${String(event.payload.topic)})` : ''}.`);
    if (event.type === 'draft.closed') {
      const by = event.payload.staff as { id: string; displayName: string } | undefined;
      const shown = list.value?.items.some((d) => d.id === event.payload.draftId);
      if (shown && by && by.id !== selfId()) announce(`A draft was ${DECIDED_LABEL[String(event.payload.status)] ?? 'decided'} by ${by.displayName}.`);
    }
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void load(), REFRESH_DEBOUNCE_MS);
  }

  const setBusy = (id: string, on: boolean) => {
    const next = new Set(busy.value);
    if (on) next.add(id);
    else next.delete(id);
    busy.value = next;
  };

  async function decide(draft: PendingDraft, decision: DraftDecision, text?: string): Promise<boolean> {
    setBusy(draft.id, true);
    const { [draft.id]: _, ...others } = refusals.value;
    refusals.value = others;
    try {
      if (decision === 'approve') await api.draft.approve.mutate({ draftId: draft.id });
      else if (decision === 'edit') await api.draft.edit.mutate({ draftId: draft.id, text: text ?? '' });
      else await api.draft.reject.mutate({ draftId: draft.id, text: text ?? '' });
      announce(decision === 'reject' ? 'Rejected. The user sees your answer now.' : 'Approved. The user sees the answer now.');
      if (list.value) list.value = { ...list.value, items: list.value.items.filter((d) => d.id !== draft.id), pending: Math.max(0, list.value.pending - 1) };
      return true;
    } catch (err) {
      if (!sessionEnded(err)) refusals.value = { ...refusals.value, [draft.id]: errorMessage(err) };
      return false;
    } finally {
      setBusy(draft.id, false);
    }
  }

  return {
    list,
    error,
    loading,
    busy,
    refusals,
    onEvent,
    decide,
    /** How long the user has waited for this answer, as of now. */
    waitingMs: (d: PendingDraft) => d.waitingMs + now.value - readAt.value,
    /** Starts the draft's reading time on the server, once per page (the server keeps the first opening anyway). */
    open(d: PendingDraft) {
      if (opened.has(d.id)) return;
      opened.add(d.id);
      api.draft.open.mutate({ draftId: d.id }).catch(() => opened.delete(d.id));
    },
    retry: () => void load(),
    start: () => void load(),
    dispose() {
      clearInterval(tick);
      clearTimeout(refreshTimer);
    },
  };
}

export type DraftsModel = ReturnType<typeof createDraftsModel>;
