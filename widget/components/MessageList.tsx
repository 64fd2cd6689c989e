import type { ReadonlySignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { BadgeThresholds } from '../../shared/confidence';
import type { ChatModel } from '../models/chat';
import type { FeedbackModel } from '../models/feedback';
import { AgentMessage } from './AgentMessage';
import { FailedMessage } from './FailedMessage';
import { TypingIndicator } from './TypingIndicator';

interface Props {
  chat: ChatModel;
  greeting: string;
  thresholds: ReadonlySignal<BadgeThresholds>;
  feedbackFor: (messageId: string) => FeedbackModel;
}

/** The transcript, as a log region so screen readers announce new messages. */
export function MessageList({ chat, greeting, thresholds, feedbackFor }: Props) {
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
        ) : item.type === 'agent' ? (
          <AgentMessage key={item.id} answer={item.answer} thresholds={thresholds} feedback={feedbackFor(item.id)} />
        ) : (
          <FailedMessage key={item.id} code={item.code} onRetry={item === last && !busy ? () => chat.retry() : undefined} />
        ),
      )}
      {busy && <TypingIndicator />}
    </div>
  );
}
