import type { ReadonlySignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { BadgeThresholds } from '../../shared/confidence';
import type { ChatModel } from '../models/chat';
import type { FeedbackModel } from '../models/feedback';
import type { HandoffModel } from '../models/handoff';
import { AgentMessage } from './AgentMessage';
import { FailedMessage } from './FailedMessage';
import { TypingIndicator } from './TypingIndicator';

interface Props {
  chat: ChatModel;
  greeting: string;
  thresholds: ReadonlySignal<BadgeThresholds>;
  feedbackFor: (messageId: string) => FeedbackModel;
  handoff?: HandoffModel;
}

/** Shown instead of an answer a person checks before the user sees it (no badge or feedback until then). */
export const CHECKING_TEXT = 'A specialist is checking this answer';

/** The transcript, as a log region so screen readers announce new messages. */
export function MessageList({ chat, greeting, thresholds, feedbackFor, handoff }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const items = chat.items.value;
  const busy = chat.busy.value;
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [items.length, busy]);
  const last = items[items.length - 1];
  return (
    <div class="log" role="log" aria-label="Conversation" ref={ref}>
      {greeting && <p class="msg agent">{greeting}</p>}
      {items.map((item) =>
        item.type === 'user' ? (
          <p key={item.id} class="msg user">
            {item.text}
          </p>
        ) : item.type === 'agent' && item.checking ? (
          <p key={item.id} class="msg agent">
            {CHECKING_TEXT}
          </p>
        ) : item.type === 'agent' ? (
          <AgentMessage key={item.id} answer={item.answer} thresholds={thresholds} feedback={feedbackFor(item.id)} handoff={handoff && { model: handoff, at: item.id }} />
        ) : item.type === 'human' ? (
          <div key={item.id} class="msg agent">
            <b>{item.author}</b>
            <p>{item.text}</p>
          </div>
        ) : item.type === 'notice' ? (
          <p key={item.id} class="note">
            {item.text}
          </p>
        ) : (
          <FailedMessage key={item.id} code={item.code} onRetry={item === last && !busy ? () => chat.retry() : undefined} />
        ),
      )}
      {busy && <TypingIndicator />}
    </div>
  );
}
