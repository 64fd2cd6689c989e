/**
 * Feedback on one agent answer. Every rating the user settles on is a new feedback signal (fresh
 * clientEventId); the server keeps them all and counts the newest.
 */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals';
import { MAX_FEEDBACK_COMMENT, type FeedbackReason, type Rating } from '../../shared/feedback';
import { cleanText } from '../../shared/normalise';
import type { FeedbackSignal } from '../../shared/schemas';
import type { OutboxState } from '../outbox';
import { pageUrl } from '../page-url';
import { stamp, type Conversation } from './conversation';
import { record, type SignalSink } from './record';

export interface FeedbackDeps {
  /** clientEventId of the agent message being rated. */
  messageId: string;
  conversation: Conversation;
  outbox: SignalSink & { state: ReadonlySignal<OutboxState> };
  /** Called with each rating sent (the handoff policy counts "Not helpful" in a row). */
  onRated?: (rating: Rating) => void;
}


export const FeedbackModel = createModel((deps: FeedbackDeps) => {
  /** The rating the buttons show as pressed: the sent one, or -1 while the reasons form is open. */
  const rating = signal<Rating | 0>(0);
  const sentRating = signal<Rating | 0>(0);
  const formOpen = signal(false);
  const reasons = signal<FeedbackReason[]>([]);
  const comment = signal('');
  const lastSent = signal<string | undefined>(undefined);

  const submit = (value: Rating) => {
    // Cut before cleaning: a cut through an emoji leaves half of it, which cleaning makes visible as U+FFFD.
    const text = cleanText(comment.value.trim().slice(0, MAX_FEEDBACK_COMMENT));
    const s = stamp<FeedbackSignal>(deps.conversation, {
      kind: 'feedback',
      messageId: deps.messageId,
      rating: value,
      reasons: value === -1 ? reasons.value : [],
      ...(value === -1 && text ? { comment: text } : {}),
      pageUrl: pageUrl(),
    });
    record(deps.outbox, s);
    lastSent.value = s.clientEventId;
    rating.value = sentRating.value = value;
    formOpen.value = false;
    deps.onRated?.(value);
  };

  /** The server's reason for refusing the newest feedback, if it did. */
  const rejected = computed(() => {
    const id = lastSent.value;
    return id ? deps.outbox.state.value.rejected.find((r) => r.clientEventIds.includes(id))?.message : undefined;
  });

  return {
    rating: rating as ReadonlySignal<Rating | 0>,
    formOpen: formOpen as ReadonlySignal<boolean>,
    reasons: reasons as ReadonlySignal<FeedbackReason[]>,
    comment,
    rejected,
    /** Feedback was handed to the outbox and the form is closed. */
    sent: computed(() => !!lastSent.value && !formOpen.value),
    helpful(): void {
      if (sentRating.value !== 1) return submit(1);
      // Already sent as helpful: just close a reasons form opened since, without a duplicate signal.
      formOpen.value = false;
      rating.value = 1;
    },
    /** Opens the reasons form, or closes it again without sending. */
    notHelpful(): void {
      formOpen.value = !formOpen.value;
      rating.value = formOpen.value ? -1 : sentRating.value;
    },
    toggleReason(id: FeedbackReason): void {
      const r = reasons.value;
      reasons.value = r.includes(id) ? r.filter((x) => x !== id) : [...r, id];
    },
    send(): void {
      submit(-1);
    },
  };
});
export type FeedbackModel = InstanceType<typeof FeedbackModel>;
