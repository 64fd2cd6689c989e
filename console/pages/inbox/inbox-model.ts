/**
 * The Inbox's state: the escalations under the chosen filter with counts, kept current by the staff event
 * log. An event only triggers a fresh read of the list (never a timer); the stream itself stays open and
 * resumes from its last event id after a drop.
 */
import { computed, signal } from '@preact/signals';
import type { EscalationFilter, HandoffEvent } from '../../../shared/handoff';
import { api, errorMessage } from '../../api/client';
import { followInbox } from '../../api/follow-inbox';
import { TRIGGER_LABEL } from '../../format';
import { announce } from '../../shell/announcer';
import { sessionEnded } from '../../shell/session';

type List = Awaited<ReturnType<typeof api.escalation.list.query>>;
export type InboxItem = List['items'][number];

/** Events after which the list or its counts may have changed. */
const CHANGES = new Set<HandoffEvent['type']>(['escalation.created', 'escalation.joined', 'escalation.claimed', 'escalation.unclaimed', 'escalation.transferred', 'escalation.resolved']);
/** Several events in a burst make one read. */
const REFRESH_DEBOUNCE_MS = 50;
/** How often waiting times move on screen (local clock only). */
const TICK_MS = 15_000;

/** `onAnyEvent` also receives every event of the stream (the drafts queue shares the Inbox's one stream). */
export function createInboxModel(onAnyEvent?: (event: HandoffEvent) => void) {
  const filter = signal<EscalationFilter>('queued');
  const list = signal<List | null>(null);
  const error = signal<string | null>(null);
  const loading = signal(true);
  /** When the list was read, and the local clock now: waiting times grow between reads. */
  const readAt = signal(Date.now());
  const now = signal(Date.now());
  const queued = computed(() => list.value?.counts.queued ?? 0);

  let stop: (() => void) | null = null;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let reads = 0;
  const tick = setInterval(() => (now.value = Date.now()), TICK_MS);

  async function load(): Promise<void> {
    const mine = ++reads;
    try {
      const result = await api.escalation.list.query({ filter: filter.value });
      if (mine !== reads) return; // a newer read (other filter) is on its way
      list.value = result;
      readAt.value = now.value = Date.now();
      error.value = null;
      if (!stop) stop = followInbox(result.lastEventId, onEvent);
    } catch (err) {
      if (mine === reads && !sessionEnded(err)) error.value = `The Inbox could not be loaded: ${errorMessage(err)}`;
    } finally {
      if (mine === reads) loading.value = false;
    }
  }

  function onEvent(event: HandoffEvent): void {
    onAnyEvent?.(event);
    if (!CHANGES.has(event.type)) return;
    if (event.type === 'escalation.created') {
      const trigger = event.payload.trigger as keyof typeof TRIGGER_LABEL;
      announce(`New handoff: ${TRIGGER_LABEL[trigger] ?? 'a user needs a person'}.`);
    }
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void load(), REFRESH_DEBOUNCE_MS);
  }

  return {
    filter,
    list,
    error,
    loading,
    queued,
    /** How long the item has waited, as of now. */
    waitingMs: (item: InboxItem) => item.waitingMs + (item.status === 'queued' ? now.value - readAt.value : 0),
    setFilter(next: EscalationFilter) {
      if (filter.value === next) return;
      filter.value = next;
      loading.value = true;
      void load();
    },
    retry: () => void load(),
    start: () => void load(),
    dispose() {
      clearInterval(tick);
      clearTimeout(refreshTimer);
      stop?.();
      stop = null;
    },
  };
}

export type InboxModel = ReturnType<typeof createInboxModel>;
