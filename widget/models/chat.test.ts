// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { beforeEach, describe, expect, it } from 'vitest';
import { conversation, fakeOutbox, settle } from '../test-utils';
import { ChatModel } from './chat';

const ANSWER = { id: 'a1', text: 'Hi', confidence: 0.9 };
const make = () => new ChatModel({ conversation, outbox: fakeOutbox(), agent: signal(async () => ANSWER), storageKey: 'test:chat' });

beforeEach(() => sessionStorage.clear());

describe('ChatModel', () => {
  it('should show the transcript again after a reload', async () => {
    make().send('hello');
    await settle();
    expect(make().items.value.map((i) => i.type)).toEqual(['user', 'agent']);
  });

  it('should drop malformed rows read back from storage', () => {
    sessionStorage.setItem('test:chat', JSON.stringify([{ type: 'agent', id: 'x', answer: { id: 'a', text: 't', confidence: 5 } }, { type: 'user', id: 'y', text: 'ok' }, null]));
    expect(make().items.value).toEqual([{ type: 'user', id: 'y', text: 'ok' }]);
  });

  it('should not send an empty message', () => {
    expect(make().send('   ')).toBe(false);
  });
});
