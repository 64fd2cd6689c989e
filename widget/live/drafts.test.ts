import { describe, expect, it, vi } from 'vitest';
import type { HandoffEvent } from '../../shared/handoff';
import { conversation } from '../test-utils';
import { awaitDrafts } from './drafts';
import type { ConversationView, HandoffApi } from './follow';
import type { LiveOptions } from './stream';

const view = (transcript: { messageId: string; text: string; checking?: boolean }[], lastEventId = '7'): ConversationView =>
  ({ transcript: transcript.map((m) => ({ role: 'agent', author: null, ...m })), escalation: null, availability: { nobodyOnline: false }, lastEventId }) as ConversationView;
const decidedEvent = (messageId: string, text: string): HandoffEvent => ({ id: 8, type: 'draft.decided', siteId: 's', conversationId: 'c', escalationId: null, audience: 'widget', payload: { messageId, text }, createdAt: '' });
const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(first: ConversationView) {
  let pending = ['m1'];
  const decided = vi.fn((id: string) => (pending = pending.filter((p) => p !== id)));
  const done = vi.fn();
  let live: LiveOptions | undefined;
  const close = vi.fn();
  const api: HandoffApi = { conversation: vi.fn(async () => first), streamTicket: vi.fn(async () => 't'.repeat(30)) };
  const stop = awaitDrafts({ conversation, apiUrl: 'https://api.example.com', siteKey: 'pk', pending: () => pending, decided, done, api, openLive: (o) => ((live = o), close) });
  return { decided, done, close, stop, live: () => live };
}

describe('awaitDrafts', () => {
  it('should follow the stream from the view and show the decided text when it arrives', async () => {
    const t = setup(view([{ messageId: 'm1', text: '', checking: true }]));
    await settle();
    expect(t.live()?.lastEventId).toBe('7');
    expect(t.decided).not.toHaveBeenCalled();
    t.live()!.onEvent('8', decidedEvent('m1', 'Refunds take 5 days.'));
    expect(t.decided).toHaveBeenCalledWith('m1', 'Refunds take 5 days.');
    expect(t.close).toHaveBeenCalled();
    expect(t.done).toHaveBeenCalledTimes(1);
  });

  it('should take a decision already in the view without opening a stream', async () => {
    const t = setup(view([{ messageId: 'm1', text: 'Approved text.' }]));
    await settle();
    expect(t.decided).toHaveBeenCalledWith('m1', 'Approved text.');
    expect(t.live()).toBeUndefined();
    expect(t.done).toHaveBeenCalled();
  });

  it('should ignore decisions on answers it is not waiting for', async () => {
    const t = setup(view([{ messageId: 'm1', text: '', checking: true }]));
    await settle();
    t.live()!.onEvent('8', decidedEvent('other', 'Not mine.'));
    expect(t.decided).not.toHaveBeenCalled();
    expect(t.done).not.toHaveBeenCalled();
    t.stop();
  });
});
