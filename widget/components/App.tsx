import type { ReadonlySignal, Signal } from '@preact/signals';
import type { ComponentChild } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ChatModel } from '../models/chat';
import type { ConfigModel } from '../models/config';
import type { FeedbackModel } from '../models/feedback';
import type { HandoffModel } from '../models/handoff';
import type { OutboxState } from '../outbox';
import { Composer } from './Composer';
import { HandoffOffer } from './HandoffOffer';
import { HandoffStatus } from './HandoffStatus';
import { Launcher } from './Launcher';
import { MessageList } from './MessageList';
import { OutboxStatus } from './OutboxStatus';
import { Panel } from './Panel';

export interface AppProps {
  chat: ChatModel;
  config: ConfigModel;
  outbox: { state: ReadonlySignal<OutboxState> };
  open: Signal<boolean>;
  feedbackFor: (messageId: string) => FeedbackModel;
  handoff?: HandoffModel;
  /** A verified user's "Earlier conversations", once widget-live.js has them. */
  earlier?: ReadonlySignal<(() => ComponentChild) | undefined>;
}

const PANEL_ID = 'backstop-panel';

/** Chat mode: the launcher and, once first opened, the panel (kept mounted afterwards to keep its state). */
export function App({ chat, config, outbox, open, feedbackFor, handoff, earlier }: AppProps) {
  const launcher = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const opened = useRef(false);
  const returnFocus = useRef(false);
  const isOpen = open.value;
  opened.current ||= isOpen;
  // After the render, since the launcher is hidden while the panel covers a small screen.
  useEffect(() => {
    if (isOpen) input.current?.focus();
    else if (returnFocus.current) launcher.current?.focus();
    returnFocus.current = false;
  }, [isOpen]);

  const close = () => {
    returnFocus.current = true;
    open.value = false;
  };
  // Read only in the panel's branch: the launcher alone should not load the transcript or re-render with the outbox.
  const rejected = () => {
    const items = chat.items.value;
    return outbox.state.value.rejected.find((r) => r.clientEventIds.some((id) => items.some((i) => i.id === id)))?.message;
  };

  return (
    <div
      class={`root ${config.position.value}${isOpen ? ' open' : ''}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open.value) {
          e.stopPropagation();
          close();
        }
      }}
    >
      {opened.current && (
        <Panel id={PANEL_ID} title={config.title.value} hidden={!isOpen} onClose={close}>
          {earlier?.value?.()}
          <MessageList chat={chat} greeting={config.greeting.value} thresholds={config.thresholds} feedbackFor={feedbackFor} handoff={handoff} />
          {handoff && (
            <>
              <HandoffStatus model={handoff} />
              {!handoff.active.value && (
                <div class="fb">
                  <HandoffOffer model={handoff} at="panel" trigger="user" />
                </div>
              )}
            </>
          )}
          <OutboxStatus waiting={outbox.state.value.waiting} limited={outbox.state.value.limited} rejected={rejected()} />
          <Composer busy={chat.busy.value} onSend={(text) => chat.send(text)} inputRef={input} />
        </Panel>
      )}
      <Launcher open={isOpen} controls={opened.current ? PANEL_ID : undefined} onToggle={() => (open.value = !isOpen)} buttonRef={launcher} />
    </div>
  );
}
