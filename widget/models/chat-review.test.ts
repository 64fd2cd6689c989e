// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SiteConfig } from '../../shared/schemas';
import { awaitDrafts } from '../live/drafts';
import { conversation, fakeOutbox, settle } from '../test-utils';
import { ChatModel } from './chat';
import { ConfigModel, SETTINGS_WAIT_MS } from './config';

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

describe('ChatModel while the site autonomy is unknown', () => {
  const KEPT = 'backstop:pk_test:autonomy';
  const loaded = (defaultAutonomy: string) => ({ siteId: 's', name: 'n', autonomy: { defaultAutonomy, topics: {} } }) as unknown as SiteConfig;
  // Wired as runtime.ts does: the answer waits for the site's settings.
  const onAnswer = vi.fn();
  const wired = (siteConfig: () => Promise<SiteConfig>) => {
    const config = new ConfigModel({ siteConfig }, signal({}), KEPT);
    return new ChatModel({
      conversation,
      outbox: fakeOutbox(),
      agent: signal(async () => ANSWER),
      storageKey: 'test:chat',
      reviewed: (a) => config.review(a.topic),
      settledReview: (a) => config.settledReview(a.topic),
      onAnswer,
    });
  };
  const agentRow = (chat: ChatModel) => chat.items.value.find((i) => i.type === 'agent');

  beforeEach(() => {
    localStorage.clear();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
    onAnswer.mockClear();
  });

  it.each([
    ['human_review', { checking: 1, answer: { text: '' } }],
    ['auto', { answer: { text: ANSWER.text } }],
  ])('should wait for settings still loading, stay busy meanwhile, and follow them (%s)', async (autonomy, row) => {
    let load!: (c: SiteConfig) => void;
    const chat = wired(() => new Promise((r) => (load = r)));
    chat.send('Can I get a refund?');
    await settle();
    expect(agentRow(chat)).toBeUndefined();
    expect(chat.busy.value).toBe(true);
    load(loaded(autonomy));
    await settle();
    expect(agentRow(chat)).toMatchObject(row);
    expect(chat.busy.value).toBe(false);
  });

  it.each([
    ['load as auto', (load: (c: SiteConfig) => void) => load(loaded('auto')), { answer: ANSWER }],
    ['fail', (_: unknown, fail: (e: Error) => void) => fail(new Error('HTTP 503')), { answer: ANSWER }],
    ['load as human_review', (load: (c: SiteConfig) => void) => load(loaded('human_review')), { checking: 1, answer: { text: '' } }],
  ] as const)('should hold an answer while the settings are only slow, then decide again when they %s', async (_, finish, row) => {
    vi.useFakeTimers();
    let load!: (c: SiteConfig) => void;
    let fail!: (e: Error) => void;
    const chat = wired(() => new Promise((resolve, reject) => ((load = resolve), (fail = reject))));
    chat.send('Can I get a refund?');
    await vi.advanceTimersByTimeAsync(SETTINGS_WAIT_MS);
    expect(agentRow(chat)).toMatchObject({ checking: 1, answer: { text: '' } });
    expect(chat.busy.value).toBe(false);
    finish(load, fail);
    await vi.advanceTimersByTimeAsync(0);
    expect(agentRow(chat)).toMatchObject(row);
    if (!('checking' in row)) expect(sessionStorage.getItem('test:chat')).toContain('30 days');
    // The handoff policy sees an answer once it is shown, not while it is held.
    expect(onAnswer).toHaveBeenCalledTimes('checking' in row ? 0 : 1);
    vi.useRealTimers();
  });

  it('should hold the answer when the settings fail and an earlier visit kept human_review', async () => {
    localStorage.setItem(KEPT, JSON.stringify({ defaultAutonomy: 'auto', topics: { refunds: 'human_review' } }));
    const chat = wired(async () => Promise.reject(new Error('HTTP 503')));
    chat.send('Can I get a refund?');
    await settle();
    expect(agentRow(chat)).toMatchObject({ checking: 1, answer: { text: '' } });
    expect(sessionStorage.getItem('test:chat')).not.toContain('30 days');
  });

  it('should show the answer when the settings fail and nothing was kept (no evidence the site reviews answers)', async () => {
    const chat = wired(async () => Promise.reject(new Error('HTTP 503')));
    chat.send('Can I get a refund?');
    await settle();
    expect(agentRow(chat)).toMatchObject({ answer: ANSWER });
    expect(chat.checking.value).toEqual([]);
  });

  it('should hold the answer when the settings fail and a stale kept autonomy says review, then show it once the server says it was not held', async () => {
    localStorage.setItem(KEPT, JSON.stringify({ defaultAutonomy: 'human_review', topics: {} }));
    const chat = wired(async () => Promise.reject(new Error('HTTP 503')));
    chat.send('Can I get a refund?');
    await settle();
    const row = agentRow(chat)!;
    expect(row).toMatchObject({ checking: 1, answer: { text: '' } });
    // The drafts wait of widget-live.js, reading conversation.byId: the server stored the answer without a draft.
    const transcript = [
      { messageId: 'user-1', role: 'user', text: 'Can I get a refund?', author: null },
      { messageId: row.id, role: 'agent', text: ANSWER.text, author: null },
    ];
    const done = vi.fn();
    awaitDrafts({
      conversation,
      apiUrl: 'https://api.example.com',
      siteKey: 'pk_test',
      pending: () => chat.checking.peek(),
      decided: (id, text) => chat.decided(id, text),
      done,
      api: { conversation: async () => ({ transcript, escalation: null, availability: { nobodyOnline: false }, lastEventId: '0' }), streamTicket: async () => 't' },
      openLive: () => () => {},
    });
    await settle();
    expect(agentRow(chat)).toEqual({ type: 'agent', id: row.id, answer: ANSWER });
    expect(chat.checking.value).toEqual([]);
    expect(done).toHaveBeenCalled();
  });

  it('should hold the answer when deciding fails', async () => {
    const chat = new ChatModel({
      conversation, outbox: fakeOutbox(), agent: signal(async () => ANSWER), storageKey: 'test:chat',
      reviewed: async () => Promise.reject(new Error('no')),
    });
    chat.send('Can I get a refund?');
    await settle();
    expect(agentRow(chat)).toMatchObject({ checking: 1, answer: { text: '' } });
  });
});
