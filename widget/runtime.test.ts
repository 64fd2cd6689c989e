// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { h } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentAnswer } from '../shared/agent-answer';
import type { MessageSignal, Signal, SignalBatch } from '../shared/schemas';
import type { PushOutcome } from './api/client';
import * as live from './live/index';
import { boot } from './loader';
import { createOutbox, type OutboxOptions } from './outbox';
import { fakeLocks } from './outbox/test-utils';
import { createWidget, type Widget } from './runtime';
import { button, click, fakeOutbox, settle, typeInto, withText } from './test-utils';

const KEY = 'pk_test_12345678';
const ANSWER = { id: 'ans-7', text: 'Your order ships today.', confidence: 0.3 };

let outbox: ReturnType<typeof fakeOutbox>;
let widget: Widget | undefined;
function start(options: Record<string, unknown> = {}, liveParts: Partial<typeof live> = {}, siteConfig: () => Promise<unknown> = () => new Promise<never>(() => {})) {
  outbox = fakeOutbox();
  const deps = {
    createApi: () => ({ siteConfig, pushSignals: vi.fn() }),
    createOutbox: () => outbox,
    loadLive: async () => ({ ...live, follow: () => () => {}, ...liveParts }),
  };
  widget = createWidget({ siteKey: KEY, apiUrl: 'https://support.example.com', ...options }, deps as never);
  return widget;
}
const hostAnswer = () => {
  const el = document.createElement('div');
  el.textContent = ANSWER.text;
  document.body.append(el);
  return el;
};

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  widget?.destroy();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

describe('createWidget', () => {
  it('should put the launcher in an open shadow root with adopted stylesheets when an agent is given', async () => {
    start({ agentUrl: '/demo/agent' });
    await settle();
    const host = document.querySelector('backstop-widget')!;
    expect(host.shadowRoot?.adoptedStyleSheets.length).toBeGreaterThan(0);
    expect(host.shadowRoot?.querySelector('style')).toBeNull();
    expect(button(host.shadowRoot!, 'Open support chat')).toBeDefined();
  });

  it('should adopt the panel stylesheets only once the panel first opens', async () => {
    const w = start({ agentUrl: '/demo/agent' });
    await settle();
    const root = document.querySelector('backstop-widget')!.shadowRoot!;
    const atStart = root.adoptedStyleSheets.length;
    w.open();
    await settle();
    expect(root.querySelector('[role="dialog"]')).not.toBeNull();
    expect(root.adoptedStyleSheets.length).toBeGreaterThan(atStart);
  });

  it('should send an identity only once the panel opens, and each identity once', async () => {
    const identify = vi.fn(async () => {});
    const w = start({ agentUrl: '/demo/agent' }, { identify });
    const who = { userId: 'u_42', name: 'Ada', token: 'jwt' };
    w.identify(who);
    await settle();
    expect(identify).not.toHaveBeenCalled();
    w.open();
    await settle();
    expect(identify).toHaveBeenCalledTimes(1);
    expect((identify.mock.calls[0] as unknown as [{ identity: unknown }])[0].identity).toBe(who);
    w.close();
    w.open();
    await settle();
    expect(identify).toHaveBeenCalledTimes(1);
  });

  it('should warn and send nothing when identify has no string userId', async () => {
    const identify = vi.fn(async () => {});
    const w = start({ agentUrl: '/demo/agent' }, { identify });
    w.identify({ id: 42 });
    w.open();
    await settle();
    expect(identify).not.toHaveBeenCalled();
    expect(warn.mock.calls.flat().join(' ')).toContain("'userId' must be a string");
  });

  it('should not show a launcher without an agent', async () => {
    start();
    await settle();
    expect(document.querySelector('backstop-widget')).toBeNull();
  });

  it('should set the primary colour as a custom property, not a style attribute string', async () => {
    start({ agentUrl: '/a', primaryColor: '#ff0066' });
    await settle();
    const host = document.querySelector<HTMLElement>('backstop-widget')!;
    expect(host.style.getPropertyValue('--backstop-primary')).toBe('#ff0066');
  });

  it('should attach badge and feedback right after a host answer, in its own shadow root', async () => {
    const el = hostAnswer();
    start().attach(el, ANSWER);
    await settle();
    const host = el.nextElementSibling!;
    expect(host.localName).toBe('backstop-answer');
    expect(host.shadowRoot?.querySelector('.badge')?.textContent).toBe('Low confidence');
    expect(button(host.shadowRoot!, 'Helpful')).toBeDefined();
  });

  it('should offer "Talk to a person" under an attached Low-confidence answer and record the request from it', async () => {
    const w = start();
    w.attach(hostAnswer(), ANSWER);
    await settle();
    const root = document.querySelector('backstop-answer')!.shadowRoot!;
    await click(button(root, 'Talk to a person'));
    await settle();
    await click(button(root, 'Request a person'));
    await settle();
    expect(outbox.added.filter((s) => s.kind === 'escalation')).toMatchObject([{ trigger: 'low_confidence' }]);
    expect(button(root, 'Talk to a person')).toBeUndefined();
    expect(root.textContent).toContain('Waiting for a person.');
  });

  it('should record an attached answer once per answer id, and rate it by that message', async () => {
    const el = hostAnswer();
    const w = start();
    w.attach(el, ANSWER);
    w.attach(el, ANSWER);
    w.attach(hostAnswer(), ANSWER);
    await settle();
    const messages = outbox.added as MessageSignal[];
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ role: 'agent', text: ANSWER.text, answer: { id: 'ans-7', confidence: 0.3 } });
    expect(document.querySelectorAll('backstop-answer')).toHaveLength(2);
    button(el.nextElementSibling!.shadowRoot!, 'Helpful')!.click();
    await settle();
    expect(outbox.added[1]).toMatchObject({ kind: 'feedback', messageId: messages[0]!.clientEventId, rating: 1 });
  });

  it('should record two different answers that reuse an id as two messages, each rated on its own', async () => {
    const first = hostAnswer();
    const second = hostAnswer();
    const w = start();
    w.attach(first, ANSWER);
    w.attach(second, { ...ANSWER, text: 'Your order ships tomorrow.' });
    w.attach(second, { ...ANSWER, text: 'Your order ships tomorrow.' });
    await settle();
    const messages = outbox.added as MessageSignal[];
    expect(messages.map((m) => m.text)).toEqual([ANSWER.text, 'Your order ships tomorrow.']);
    button(second.nextElementSibling!.shadowRoot!, 'Helpful')!.click();
    await settle();
    expect(outbox.added[2]).toMatchObject({ kind: 'feedback', messageId: messages[1]!.clientEventId });
  });

  it('should record and show an attached answer normalised for storage', async () => {
    const el = hostAnswer();
    start().attach(el, { ...ANSWER, text: 'ships\u0000 today \ud800' });
    await settle();
    expect((outbox.added[0] as MessageSignal).text).toBe('ships today \ufffd');
  });

  it('should warn that wrap mode cannot hold back an answer whose topic is under human review', async () => {
    const config = { siteId: 's', name: 'Shop', policy: { thresholds: { high: 0.8, low: 0.5 }, title: 'Help', greeting: 'Hi' }, autonomy: { defaultAutonomy: 'auto', topics: { refunds: 'human_review' } } };
    const w = start({}, {}, async () => config);
    await settle();
    w.attach(hostAnswer(), { ...ANSWER, id: 'a-ship', topic: 'shipping' });
    expect(warn.mock.calls.flat().join(' ')).not.toContain('human review');
    w.attach(hostAnswer(), { ...ANSWER, id: 'a-refund', topic: 'refunds' });
    expect(warn.mock.calls.flat().join(' ')).toContain("topic 'refunds' are under human review");
  });

  it('should hold an answer while the site settings cannot be loaded and an earlier visit kept review, and show it once the server has it and did not hold it', async () => {
    localStorage.setItem(`backstop:${KEY}:autonomy`, JSON.stringify({ defaultAutonomy: 'human_review', topics: {} }));
    // A server that knows the messages the outbox delivered and holds none of them.
    const delivered: MessageSignal[] = [];
    const reads = vi.fn(async () => ({
      transcript: delivered.map((m) => ({ messageId: m.clientEventId, role: m.role, text: m.text, author: null })),
      escalation: null,
      availability: { nobodyOnline: false },
      lastEventId: '0',
    }));
    const awaitDrafts: typeof live.awaitDrafts = (o) => live.awaitDrafts({ ...o, api: { conversation: reads, streamTicket: async () => 't' }, openLive: () => () => {} });
    const w = start({ agent: async () => ({ ...ANSWER, topic: 'shipping' }) }, { awaitDrafts }, async () => Promise.reject(new Error('HTTP 503')));
    outbox.add = vi.fn(async (s) => {
      outbox.added.push(s);
      outbox.state.value = { ...outbox.state.value, pending: outbox.state.value.pending + 1 };
    });
    await settle();
    w.open();
    await settle();
    const root = document.querySelector('backstop-widget')!.shadowRoot!;
    await typeInto(root.querySelector('.compose textarea'), 'When does my order ship?');
    root.querySelector('.compose textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await vi.waitFor(() => expect(withText(root, 'A specialist is checking this answer').length).toBeGreaterThan(0), { timeout: 3000 });
    await vi.waitFor(() => expect(reads).toHaveBeenCalled());
    // Read before the answer reached the server: nothing to show yet.
    expect(withText(root, ANSWER.text)).toEqual([]);
    delivered.push(...(outbox.added as MessageSignal[]));
    outbox.state.value = { ...outbox.state.value, pending: 0 };
    await vi.waitFor(() => expect(withText(root, ANSWER.text).length).toBeGreaterThan(0));
    expect(withText(root, 'A specialist is checking this answer')).toEqual([]);
  });

  it('should warn naming the field when an attached answer is invalid', () => {
    start().attach(hostAnswer(), { ...ANSWER, id: '' });
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/'id'/);
    expect(document.querySelector('backstop-answer')).toBeNull();
  });

  it('should warn when attach gets no element', () => {
    start().attach('#answer', ANSWER);
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/'element'/);
  });

  it('should put the launcher back when the page drops it', async () => {
    start({ agentUrl: '/a' });
    await settle();
    document.querySelector('backstop-widget')!.remove();
    await settle();
    expect(document.querySelector('backstop-widget')).not.toBeNull();
  });

  it('should remove everything on destroy', async () => {
    const el = hostAnswer();
    const w = start({ agentUrl: '/a' });
    w.attach(el, ANSWER);
    await settle();
    w.destroy();
    widget = undefined;
    expect(document.querySelector('backstop-widget, backstop-answer')).toBeNull();
    expect(outbox.dispose).toHaveBeenCalled();
  });
});

describe('reset', () => {
  const HIGH: AgentAnswer = { id: 'ans-high', text: 'Refunds take 5 days.', confidence: 0.9 };
  const GREETING = 'Hi! How can we help?';
  const panel = () => document.querySelector('backstop-widget')!.shadowRoot!;
  const composer = () => panel().querySelector<HTMLTextAreaElement>('.compose textarea')!;
  async function say(text: string) {
    await typeInto(composer(), text);
    composer().dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await settle();
  }
  const conversationsOf = (signals: Signal[]) => [...new Set(signals.map((s) => s.conversationId))];

  it('should start over as on a first visit: no transcript, request, identity or earlier conversations, and a new conversation', async () => {
    const other = { [`backstop:pk_other_site_1:conversation`]: '{"id":"x","token":"y"}', [`backstop:pk_other_site_1:chat`]: '[]' };
    for (const [k, v] of Object.entries(other)) sessionStorage.setItem(k, v);
    const stopFollowing = vi.fn();
    const identify = vi.fn(async (o: Parameters<typeof live.identify>[0]) => o.show(() => h('p', null, 'Earlier: your refund')));
    const w = start({ agent: async () => HIGH }, { identify, follow: () => stopFollowing }, async () => ({}));
    const ada = { userId: 'u_ada', token: 'jwt' };
    w.identify(ada);
    w.open();
    await settle();
    await say('How long do refunds take?');
    await vi.waitFor(() => expect(withText(panel(), HIGH.text).length).toBeGreaterThan(0), { timeout: 3000 });
    await click(button(panel(), 'Helpful'));
    await click(button(panel(), 'Talk to a person'));
    await settle();
    await click(button(panel(), 'Request a person'));
    await settle();
    expect(panel().textContent).toContain('Waiting for a person.');
    expect(panel().textContent).toContain('Earlier: your refund');
    const before = [...outbox.added];
    const [old] = conversationsOf(before);
    expect(before.map((s) => s.kind)).toEqual(['message', 'message', 'feedback', 'escalation']);
    localStorage.setItem(`backstop:live:${old}`, '17');
    localStorage.setItem('backstop:live:someone-elses', '3');
    await typeInto(composer(), 'half a message by the user who signs out');

    w.reset();
    await settle();

    expect(stopFollowing).toHaveBeenCalled();
    expect(panel().querySelector('[role="log"]')!.textContent).toBe(GREETING);
    expect(panel().textContent).not.toContain('Waiting for a person.');
    expect(panel().textContent).not.toContain('Earlier: your refund');
    expect(composer().value).toBe('');
    for (const what of ['conversation', 'chat', 'handoff']) expect(sessionStorage.getItem(`backstop:${KEY}:${what}`)).toBeNull();
    expect(localStorage.getItem(`backstop:live:${old}`)).toBeNull();
    expect(localStorage.getItem('backstop:live:someone-elses')).toBe('3');
    for (const [k, v] of Object.entries(other)) expect(sessionStorage.getItem(k)).toBe(v);
    // Nothing recorded is taken back, and the outbox keeps running.
    expect(outbox.added).toEqual(before);
    expect(outbox.dispose).not.toHaveBeenCalled();

    await say('I am someone else');
    await vi.waitFor(() => expect(withText(panel(), HIGH.text).length).toBeGreaterThan(0), { timeout: 3000 });
    const after = outbox.added.slice(before.length);
    expect(after.map((s) => s.kind)).toEqual(['message', 'message']);
    const [fresh] = conversationsOf(after);
    expect(conversationsOf(after)).toHaveLength(1);
    expect(fresh).not.toBe(old);
    expect(JSON.parse(sessionStorage.getItem(`backstop:${KEY}:conversation`)!).id).toBe(fresh);
    // The identity went with the user who signed out; the next sign-in (the same user again, here) is sent anew.
    expect(identify).toHaveBeenCalledTimes(1);
    w.identify(ada);
    await settle();
    expect(identify).toHaveBeenCalledTimes(2);
    expect(identify.mock.calls[1]![0]).toMatchObject({ identity: ada, conversation: { id: fresh } });
  });

  it('should show and record nothing of an agent answer that arrives after the reset', async () => {
    let answer!: (a: AgentAnswer) => void;
    const w = start({ agent: () => new Promise<AgentAnswer>((resolve) => (answer = resolve)) }, {}, async () => ({}));
    w.open();
    await settle();
    await say('A question left behind');
    expect(outbox.added).toHaveLength(1);
    w.reset();
    answer(HIGH);
    await settle();
    await new Promise((r) => setTimeout(r, 50));
    expect(outbox.added).toHaveLength(1);
    expect(panel().querySelector('[role="log"]')!.textContent).toBe(GREETING);
    // The composer is not left busy by the question of the conversation before.
    await say('A new question');
    expect(outbox.added).toHaveLength(2);
  });

  it('should drop the earlier conversations list that the server sends after the reset', async () => {
    let listed!: () => void;
    const identify = vi.fn((o: Parameters<typeof live.identify>[0]) => new Promise<void>((resolve) => (listed = () => (o.show(() => h('p', null, 'Earlier: not yours')), resolve()))));
    const w = start({ agentUrl: '/a' }, { identify });
    w.identify({ userId: 'u_ada', token: 'jwt' });
    w.open();
    await settle();
    expect(identify).toHaveBeenCalledTimes(1);
    w.reset();
    listed();
    await settle();
    expect(panel().textContent).not.toContain('Earlier: not yours');
  });

  it('should remove the controls under attached answers, and record an answer attached again in the new conversation', async () => {
    const el = hostAnswer();
    const w = start();
    w.attach(el, ANSWER);
    await settle();
    expect(document.querySelectorAll('backstop-answer')).toHaveLength(1);
    w.reset();
    expect(document.querySelectorAll('backstop-answer')).toHaveLength(0);
    w.attach(el, ANSWER);
    await settle();
    expect(document.querySelectorAll('backstop-answer')).toHaveLength(1);
    const messages = outbox.added as MessageSignal[];
    expect(messages).toHaveLength(2);
    expect(messages[1]!.conversationId).not.toBe(messages[0]!.conversationId);
    button(el.nextElementSibling!.shadowRoot!, 'Helpful')!.click();
    await settle();
    expect(outbox.added[2]).toMatchObject({ kind: 'feedback', messageId: messages[1]!.clientEventId, conversationId: messages[1]!.conversationId });
  });

  it('should be harmless when called twice, and do nothing after destroy', async () => {
    const w = start({ agent: async () => HIGH }, {}, async () => ({}));
    w.open();
    await settle();
    w.reset();
    w.reset();
    await settle();
    await say('Hello');
    expect(conversationsOf(outbox.added)).toHaveLength(1);
    expect(warn).not.toHaveBeenCalled();
    w.destroy();
    widget = undefined;
    expect(() => w.reset()).not.toThrow();
    expect(document.querySelector('backstop-widget')).toBeNull();
  });

  it("should start with a new conversation when Backstop('reset') was queued before init, not the one an earlier page stored", async () => {
    sessionStorage.setItem(`backstop:${KEY}:conversation`, JSON.stringify({ id: '22222222-2222-4222-8222-222222222222', token: 'tok_of_the_previous_user' }));
    sessionStorage.setItem(`backstop:${KEY}:chat`, JSON.stringify([{ type: 'user', id: 'u1', text: 'the previous user asked this' }]));
    const queue = [['reset'], ['init', { siteKey: KEY, agent: async () => HIGH }], ['open']];
    const win = { Backstop: Object.assign(() => {}, { q: queue }) };
    boot(win, null, (o) => start({ ...o }));
    await settle();
    expect(panel().querySelector('[role="log"]')!.textContent).toBe(GREETING);
    await say('A new user asks');
    expect(outbox.added[0]!.conversationId).not.toBe('22222222-2222-4222-8222-222222222222');
  });

  it('should deliver what the outbox held at the reset exactly once, each signal under its own conversation', async () => {
    let up = false;
    const pushed: SignalBatch[] = [];
    const pushSignals = vi.fn(async (batch: SignalBatch): Promise<PushOutcome> => {
      if (!up) return { kind: 'retry', reason: 'Failed to fetch' };
      pushed.push(batch);
      return { kind: 'ok', results: batch.items.map((s) => ({ clientEventId: s.clientEventId, status: 'stored' as const })) };
    });
    const deps = {
      createApi: () => ({ siteConfig: async () => ({}), pushSignals }),
      // The real outbox, on an IndexedDB of this test.
      createOutbox: (o: OutboxOptions) => createOutbox({ ...o, indexedDB: new IDBFactory(), locks: fakeLocks(), debounceMs: 0 }),
      loadLive: async () => ({ ...live, follow: () => () => {} }),
    };
    const w = (widget = createWidget({ siteKey: KEY, apiUrl: 'https://support.example.com', agent: async () => HIGH }, deps as never));
    w.open();
    await settle();
    await say('Offline question');
    await vi.waitFor(() => expect(withText(panel(), HIGH.text).length).toBeGreaterThan(0), { timeout: 3000 });
    await click(button(panel(), 'Helpful'));
    await vi.waitFor(() => expect(pushSignals).toHaveBeenCalled());

    w.reset();
    up = true;
    window.dispatchEvent(new Event('online'));
    await say('Question after the reset');
    await vi.waitFor(() => expect(pushed.flatMap((b) => b.items).filter((s) => s.kind === 'message')).toHaveLength(4), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 100));

    const items = pushed.flatMap((b) => b.items);
    expect(new Set(items.map((s) => s.clientEventId)).size).toBe(items.length);
    const texts = items.map((s) => `${s.kind}:${s.kind === 'message' ? s.text : ''}`);
    expect(texts).toEqual(['message:Offline question', `message:${HIGH.text}`, 'feedback:', 'message:Question after the reset', `message:${HIGH.text}`]);
    const [first, second] = conversationsOf(items);
    expect(items.slice(0, 3).every((s) => s.conversationId === first)).toBe(true);
    expect(items.slice(3).every((s) => s.conversationId === second)).toBe(true);
    expect(second).not.toBe(first);
  });
});
