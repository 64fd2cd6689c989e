// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { conversation, fakeOutbox, settle } from '../test-utils';
import { ChatModel } from './chat';

const ANSWER = { id: 'a1', text: 'Hi', confidence: 0.9 };
const make = () => new ChatModel({ conversation, outbox: fakeOutbox(), agent: signal(async () => ANSWER), storageKey: 'test:chat' });

beforeEach(() => sessionStorage.clear());
afterEach(() => vi.restoreAllMocks());

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

  it('should read the transcript only when it is first shown', () => {
    const getItem = vi.spyOn(sessionStorage, 'getItem');
    const chat = make();
    expect(getItem).not.toHaveBeenCalled();
    expect(chat.items.value).toEqual([]);
    expect(getItem).toHaveBeenCalledWith('test:chat');
  });

  it('should keep the earlier transcript when this page adds to it before showing it', async () => {
    make().send('first');
    await settle();
    make().send('second');
    await settle();
    expect(make().items.value.filter((i) => i.type === 'user').map((i) => (i.type === 'user' ? i.text : ''))).toEqual(['first', 'second']);
  });

  it('should not send an empty message', () => {
    expect(make().send('   ')).toBe(false);
  });
});
