// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../shared/confidence';
import { ChatModel } from '../models/chat';
import { FeedbackModel } from '../models/feedback';
import { button, conversation, fakeOutbox, mount, settle } from '../test-utils';
import { CHECKING_TEXT, MessageList } from './MessageList';

const ANSWER = { id: 'a1', text: 'Refunds take **30 days**.', confidence: 0.9, topic: 'refunds' };

beforeEach(() => sessionStorage.clear());

describe('MessageList under human review', () => {
  it('should show the checking state without the text, badge or feedback, then the decided answer with them', async () => {
    const outbox = fakeOutbox();
    const chat = new ChatModel({ conversation, outbox, agent: signal(async () => ANSWER), storageKey: 'test:chat', reviewed: () => true });
    const feedbackFor = (messageId: string) => new FeedbackModel({ messageId, conversation, outbox });
    const root = await mount(<MessageList chat={chat} greeting="" thresholds={signal(DEFAULT_THRESHOLDS)} feedbackFor={feedbackFor} />);
    chat.send('Can I get a refund?');
    await settle();
    expect(root.textContent).toContain(CHECKING_TEXT);
    expect(root.textContent).not.toContain('30 days');
    expect(button(root, 'Helpful')).toBeFalsy();
    chat.decided(chat.checking.value[0]!, 'Refunds take **5 days**.');
    await settle();
    expect(root.textContent).not.toContain(CHECKING_TEXT);
    expect(root.textContent).toContain('Refunds take 5 days.');
    expect(button(root, 'Helpful')).toBeTruthy();
  });
});
