// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageSignal } from '../shared/schemas';
import * as live from './live/index';
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
