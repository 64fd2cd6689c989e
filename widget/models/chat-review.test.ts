// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { beforeEach, describe, expect, it } from 'vitest';
import { conversation, fakeOutbox, settle } from '../test-utils';
import { ChatModel } from './chat';

const ANSWER = { id: 'a1', text: 'Refunds take 30 days.', confidence: 0.6, topic: 'refunds' };
const make = (outbox = fakeOutbox()) =>
  new ChatModel({ conversation, outbox, agent: signal(async () => ANSWER), storageKey: 'test:chat', reviewed: (a) => a.topic === 'refunds' });

beforeEach(() => sessionStorage.clear());

describe('ChatModel under human review', () => {
  it('should send the answer to the server but keep its text off the screen and out of the stored transcript', async () => {
    const outbox = fakeOutbox();
    const chat = make(outbox);
    chat.send('Can I get a refund?');
    await settle();
    const agent = chat.items.value.find((i) => i.type === 'agent');
    expect(agent).toMatchObject({ checking: 1, answer: { text: '' } });
    expect(chat.checking.value).toEqual([agent!.id]);
    expect(outbox.added.find((s) => s.kind === 'message' && s.role === 'agent')).toMatchObject({ text: 'Refunds take 30 days.', answer: { topic: 'refunds' } });
    expect(sessionStorage.getItem('test:chat')).not.toContain('30 days');
  });

  it('should show the decided text in place of the checking state, also after a reload', async () => {
    const chat = make();
    chat.send('Can I get a refund?');
    await settle();
    const id = chat.checking.value[0]!;
    chat.decided(id, 'Refunds take 5 days.');
    expect(chat.checking.value).toEqual([]);
    expect(chat.items.value.find((i) => i.id === id)).toEqual({ type: 'agent', id, answer: { ...ANSWER, text: 'Refunds take 5 days.' } });
    expect(make().items.value.find((i) => i.id === id)).toMatchObject({ answer: { text: 'Refunds take 5 days.' } });
  });
});
