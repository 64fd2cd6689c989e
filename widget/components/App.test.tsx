// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageSignal } from '../../shared/schemas';
import type { AgentFn } from '../agent';
import { ChatModel } from '../models/chat';
import { ConfigModel } from '../models/config';
import { FeedbackModel } from '../models/feedback';
import { button, click, conversation, fakeOutbox, mount, settle, typeInto, withText } from '../test-utils';
import { App } from './App';

const ANSWER = { id: 'ans-1', text: 'Refunds take **5 days**.', confidence: 0.9, sources: [{ title: 'Refund policy', url: 'https://example.com/refunds' }] };

async function setup(agent: AgentFn = async () => ANSWER, timeoutMs?: number) {
  const outbox = fakeOutbox();
  const chat = new ChatModel({ conversation, outbox, agent: signal(agent), storageKey: 'test:chat', timeoutMs });
  const config = new ConfigModel({ siteConfig: () => new Promise(() => {}) }, signal({ title: 'Acme help' }));
  const open = signal(false);
  const models = new Map<string, FeedbackModel>();
  const feedbackFor = (messageId: string) => {
    if (!models.has(messageId)) models.set(messageId, new FeedbackModel({ messageId, conversation, outbox }));
    return models.get(messageId)!;
  };
  const root = await mount(<App chat={chat} config={config} outbox={outbox} open={open} feedbackFor={feedbackFor} />);
  const messages = () => outbox.added as MessageSignal[];
  return { root, outbox, open, messages };
}

const key = async (el: Element | null | undefined, k: string, init: KeyboardEventInit = {}) =>
  act(() => void el!.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, ...init })));

async function ask(root: HTMLElement, text: string) {
  if (button(root, 'Open support chat')) await click(button(root, 'Open support chat'));
  await typeInto(root.querySelector('.compose textarea'), text);
  await key(root.querySelector('.compose textarea'), 'Enter');
}

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  sessionStorage.clear();
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

describe('App', () => {
  it('should show a launcher named "Open support chat" and no panel', async () => {
    const { root } = await setup();
    expect(button(root, 'Open support chat')?.getAttribute('aria-expanded')).toBe('false');
    expect(root.querySelector('[role="dialog"]')).toBeNull();
  });

  it('should open the panel, rename the launcher and focus the message box', async () => {
    const { root } = await setup();
    await click(button(root, 'Open support chat'));
    expect(button(root, 'Open support chat')).toBeUndefined();
    expect(button(root, 'Close support chat')?.getAttribute('aria-expanded')).toBe('true');
    const dialog = root.querySelector('[role="dialog"]')!;
    expect(dialog.hasAttribute('hidden')).toBe(false);
    expect(withText(dialog, 'Acme help')[0]?.localName).toBe('h2');
    expect(dialog.querySelector('[role="log"]')).not.toBeNull();
    const box = root.querySelector('.compose textarea')!;
    expect(root.querySelector(`label[for="${box.id}"]`)?.textContent).toBe('Message');
    expect(document.activeElement).toBe(box);
  });

  it('should close on Escape and return focus to the launcher', async () => {
    const { root } = await setup();
    await click(button(root, 'Open support chat'));
    await key(root.querySelector('.compose textarea'), 'Escape');
    expect(root.querySelector('[role="dialog"]')?.hasAttribute('hidden')).toBe(true);
    expect(document.activeElement).toBe(button(root, 'Open support chat'));
  });

  it('should record the user message and show the typing indicator while the agent works', async () => {
    let reply!: (a: unknown) => void;
    const { root, messages } = await setup(() => new Promise((r) => (reply = r)));
    await ask(root, 'How long do refunds take?');
    expect(messages()).toMatchObject([{ kind: 'message', role: 'user', text: 'How long do refunds take?', conversationId: conversation.id }]);
    expect(root.querySelector('[role="status"][aria-label="Assistant is typing"]')?.textContent).toBe('Assistant is typing');
    await act(async () => reply(ANSWER));
    await settle();
    expect(withText(root, 'Assistant is typing')).toHaveLength(0);
  });

  it('should show the answer with its badge, sources and feedback controls, and record it', async () => {
    const { root, messages } = await setup();
    await ask(root, 'How long do refunds take?');
    await settle();
    expect(root.querySelector('.agent strong')?.textContent).toBe('5 days');
    expect(withText(root, 'High confidence')).toHaveLength(1);
    expect(root.querySelector('.sources a')?.getAttribute('href')).toBe('https://example.com/refunds');
    expect(button(root, 'Helpful')).toBeDefined();
    expect(button(root, 'Not helpful')).toBeDefined();
    const { text, ...meta } = ANSWER;
    expect(messages()[1]).toMatchObject({ role: 'agent', text, answer: meta });
    expect(messages()[1]!.error).toBeUndefined();
  });

  it('should not send on Shift+Enter', async () => {
    const { root, messages } = await setup();
    await click(button(root, 'Open support chat'));
    await typeInto(root.querySelector('.compose textarea'), 'line one');
    await key(root.querySelector('.compose textarea'), 'Enter', { shiftKey: true });
    expect(messages()).toHaveLength(0);
  });

  it('should send with the Send button and clear the box', async () => {
    const { root, messages } = await setup();
    await click(button(root, 'Open support chat'));
    await typeInto(root.querySelector('.compose textarea'), 'hello');
    await click(button(root, 'Send'));
    await settle();
    expect(messages()[0]?.text).toBe('hello');
    expect(root.querySelector<HTMLTextAreaElement>('.compose textarea')?.value).toBe('');
  });

  it('should tell the user a message too long for one signal is too long, and keep it unsent in the box', async () => {
    const { root, messages } = await setup();
    await click(button(root, 'Open support chat'));
    // 6000 characters, under the character limit, but 18000 bytes of UTF-8.
    await typeInto(root.querySelector('.compose textarea'), '€'.repeat(6000));
    expect(withText(root, 'Your message is too long to send. Please shorten it.')).toHaveLength(1);
    await click(button(root, 'Send'));
    await settle();
    expect(messages()).toHaveLength(0);
    expect(root.querySelector<HTMLTextAreaElement>('.compose textarea')?.value).toHaveLength(6000);
  });

  it('should show and record the same normalised text for an answer the database cannot store as is', async () => {
    const { root, messages } = await setup(async () => ({ id: 'a', text: 'Total:\u0000 42 \ud83d', confidence: 0.9 }));
    await ask(root, 'what\u0000 total?');
    await settle();
    expect(messages().map((m) => m.text)).toEqual(['what total?', 'Total: 42 \ufffd']);
    expect(withText(root, 'Total: 42 \ufffd')).not.toHaveLength(0);
  });

  it('should treat an answer too large for one signal as a bad answer', async () => {
    const { root, messages } = await setup(async () => ({ id: 'a', text: '€'.repeat(5500), confidence: 0.9 }));
    await ask(root, 'hi');
    await settle();
    expect(withText(root, "The assistant's answer could not be displayed")).toHaveLength(1);
    expect(messages()[1]).toMatchObject({ role: 'agent', error: 'agent_bad_answer' });
  });

  it('should show exactly the bad-answer text, warn naming the field, and record agent_bad_answer', async () => {
    const { root, messages } = await setup(async () => ({ id: 'a', text: 'hi', confidence: 7 }));
    await ask(root, 'hi');
    await settle();
    expect(withText(root, "The assistant's answer could not be displayed")).toHaveLength(1);
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/'confidence'/);
    expect(messages()[1]).toMatchObject({ role: 'agent', error: 'agent_bad_answer' });
  });

  it('should show the failure with Try again when the agent throws, and record agent_error', async () => {
    const { root, messages } = await setup(async () => {
      throw new Error('backend down');
    });
    await ask(root, 'hi');
    await settle();
    expect(root.querySelector('.failed p')?.textContent).toMatch(/^The assistant couldn't answer\./);
    expect(button(root, 'Try again')).toBeDefined();
    expect(messages()[1]).toMatchObject({ role: 'agent', error: 'agent_error' });
  });

  it('should ask the same question again on Try again', async () => {
    const agent = vi.fn<AgentFn>().mockRejectedValueOnce(new Error('flaky')).mockResolvedValueOnce(ANSWER);
    const { root, messages } = await setup(agent);
    await ask(root, 'Where is my order?');
    await settle();
    await click(button(root, 'Try again'));
    await settle();
    expect(agent.mock.calls.map((c) => c[0])).toEqual(['Where is my order?', 'Where is my order?']);
    expect(withText(root, 'High confidence')).toHaveLength(1);
    expect(button(root, 'Try again')).toBeUndefined();
    expect(messages().filter((m) => m.role === 'user')).toHaveLength(1);
  });

  it('should give up after the timeout and record agent_timeout', async () => {
    const { root, messages } = await setup(() => new Promise(() => {}), 20);
    await ask(root, 'hi');
    await act(() => new Promise((r) => setTimeout(r, 40)));
    await settle();
    expect(button(root, 'Try again')).toBeDefined();
    expect(messages()[1]).toMatchObject({ role: 'agent', error: 'agent_timeout' });
  });

  it('should tell the user when signals wait to be sent', async () => {
    const { root, outbox } = await setup();
    await click(button(root, 'Open support chat'));
    outbox.state.value = { ...outbox.state.value, waiting: true };
    await settle();
    expect(root.querySelector('.status[role="status"]')?.textContent).toBe("Saved — will send when you're back online");
  });

  it('should say plainly when the server is limiting, and stop once delivery resumes', async () => {
    const { root, outbox } = await setup();
    await click(button(root, 'Open support chat'));
    const status = () => root.querySelector('.status[role="status"]')?.textContent;
    outbox.state.value = { ...outbox.state.value, waiting: true, limited: true };
    await settle();
    expect(status()).toBe('Too many messages right now. Yours are saved and will be sent automatically.');
    outbox.state.value = { ...outbox.state.value, waiting: false, limited: false };
    await settle();
    expect(status()).toBe('');
  });

  it('should show why the server refused a message', async () => {
    const { root, outbox, messages } = await setup();
    await ask(root, 'hi');
    outbox.state.value = { ...outbox.state.value, rejected: [{ message: 'Message too long', clientEventIds: [messages()[0]!.clientEventId] }] };
    await settle();
    expect(withText(root, 'Your message could not be sent: Message too long')).toHaveLength(1);
  });
});
