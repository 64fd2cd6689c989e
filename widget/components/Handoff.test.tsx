// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentAnswer } from '../../shared/agent-answer';
import type { HandoffEvent } from '../../shared/handoff';
import type { EscalationSignal, Signal, SiteConfig } from '../../shared/schemas';
import type { ConversationView, FollowOptions } from '../live/follow';
import * as live from '../live/index';
import type { LiveOptions } from '../live/stream';
import { ChatModel } from '../models/chat';
import { ConfigModel } from '../models/config';
import { FeedbackModel } from '../models/feedback';
import { HandoffModel } from '../models/handoff';
import { button, click, conversation, fakeOutbox, mount, settle, typeInto, withText } from '../test-utils';
import { App } from './App';

const HIGH: AgentAnswer = { id: 'a-high', text: 'Refunds take 5 days.', confidence: 0.9 };
const LOW: AgentAnswer = { id: 'a-low', text: 'Maybe 5 days?', confidence: 0.2 };

const view = (over: Partial<ConversationView> = {}): ConversationView => ({
  transcript: [],
  escalation: { status: 'queued', staff: null, position: 2 },
  availability: { nobodyOnline: false },
  lastEventId: '10',
  ...over,
});
const event = (type: HandoffEvent['type'], payload: Record<string, unknown>): HandoffEvent => ({
  id: 0,
  siteId: 's',
  conversationId: conversation.id,
  escalationId: 'e',
  type,
  audience: 'widget',
  payload,
  createdAt: '',
});

/** The panel wired as the runtime wires it, with a fake server behind widget-live.js. */
async function setup(opts: { answers?: AgentAnswer[]; nobodyOnline?: boolean; waiting?: boolean; server?: ConversationView | 'unreachable'; autonomy?: SiteConfig['autonomy'] } = {}) {
  const outbox = fakeOutbox({ waiting: !!opts.waiting });
  const answers = [...(opts.answers ?? [HIGH])];
  const agent = vi.fn(async () => answers.shift() ?? HIGH);
  const streams: LiveOptions[] = [];
  const api = {
    conversation: vi.fn(async () => {
      if (opts.server === 'unreachable') throw new Error('Failed to fetch');
      return opts.server ?? view();
    }),
    streamTicket: vi.fn(async () => 'ticket'),
  };
  const module = { ...live, follow: (o: FollowOptions) => live.follow({ ...o, api, openLive: (l) => (streams.push(l), () => {}) }) };
  let chat: ChatModel;
  const handoff = new HandoffModel({
    conversation,
    outbox,
    siteKey: 'pk_test_12345678',
    apiUrl: 'https://api.example.com',
    loadLive: async () => module,
    nobodyOnline: signal(!!opts.nobodyOnline),
    autonomy: signal(opts.autonomy),
    storageKey: 'test:handoff',
    show: (item) => chat.show(item),
  });
  chat = new ChatModel({ conversation, outbox, agent: signal(agent), storageKey: 'test:chat', toPerson: handoff.active, onAnswer: (a) => void (a.handoff && handoff.request('agent', a.handoff.reason)) });
  const config = new ConfigModel({ siteConfig: () => new Promise(() => {}) }, signal({}));
  const feedback = new Map<string, FeedbackModel>();
  const feedbackFor = (messageId: string) => {
    if (!feedback.has(messageId)) feedback.set(messageId, new FeedbackModel({ messageId, conversation, outbox, onRated: (r) => handoff.rated(r) }));
    return feedback.get(messageId)!;
  };
  const root = await mount(<App chat={chat} config={config} outbox={outbox} open={signal(true)} feedbackFor={feedbackFor} handoff={handoff} />);
  const escalations = () => outbox.added.filter((s: Signal): s is EscalationSignal => s.kind === 'escalation');
  const ask = async (text: string) => {
    await typeInto(root.querySelector('.compose textarea'), text);
    await click(button(root, 'Send'));
    await settle();
  };
  return { root, outbox, agent, api, streams, escalations, ask, handoff };
}

const talkButtons = (root: HTMLElement) => [...root.querySelectorAll('button')].filter((b) => b.textContent === 'Talk to a person');
const noteBox = (root: HTMLElement) => {
  const label = [...root.querySelectorAll('label')].find((l) => l.textContent === 'What do you need help with? (optional)');
  return label && root.querySelector(`#${CSS.escape(label.htmlFor)}`);
};
const emailBox = (root: HTMLElement) => {
  const label = [...root.querySelectorAll('label')].find((l) => l.textContent === 'Your email');
  return label ? root.querySelector(`#${CSS.escape(label.htmlFor)}`) : null;
};

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

describe('Talk to a person', () => {
  it('should be in the panel and open a form with an optional note and "Request a person"', async () => {
    const { root } = await setup();
    expect(talkButtons(root)).toHaveLength(1);
    await click(talkButtons(root)[0]);
    await settle();
    expect(noteBox(root)).toBeTruthy();
    expect(button(root, 'Request a person')).toBeTruthy();
  });

  it('should record one escalation with trigger user and the note, and then hide the button', async () => {
    const { root, escalations } = await setup();
    await click(talkButtons(root)[0]);
    await settle();
    await typeInto(noteBox(root), '  My parcel is lost ');
    await click(button(root, 'Request a person'));
    await settle();
    expect(escalations()).toMatchObject([{ kind: 'escalation', trigger: 'user', note: 'My parcel is lost', conversationId: conversation.id }]);
    expect(talkButtons(root)).toHaveLength(0);
    expect(withText(root, "Waiting for a person. You're number 2 in the queue.")).toHaveLength(1);
  });

  it('should offer a person under a Low-confidence answer with trigger low_confidence, and not under a High one', async () => {
    const { root, ask, escalations } = await setup({ answers: [HIGH, LOW] });
    await ask('first');
    expect(talkButtons(root)).toHaveLength(1);
    await ask('second');
    const [underAnswer] = talkButtons(root);
    expect(underAnswer!.closest('.msg')).toBeTruthy();
    await click(underAnswer);
    await settle();
    await click(button(root, 'Request a person'));
    expect(escalations().map((e) => e.trigger)).toEqual(['low_confidence']);
  });

  it('should offer a person under every answer of a suggest_handoff topic, High ones too, with trigger user', async () => {
    const refund = { ...HIGH, id: 'a-refund', topic: 'refunds' };
    const shipping = { ...HIGH, id: 'a-shipping', topic: 'shipping' };
    const { root, ask, escalations } = await setup({ answers: [shipping, refund], autonomy: { defaultAutonomy: 'auto', topics: { refunds: 'suggest_handoff' } } });
    await ask('where is my parcel?');
    expect(talkButtons(root).filter((b) => b.closest('.msg'))).toHaveLength(0);
    await ask('can I get a refund?');
    const underAnswers = talkButtons(root).filter((b) => b.closest('.msg'));
    expect(underAnswers).toHaveLength(1);
    expect(underAnswers[0]!.closest('.msg')!.textContent).toContain(refund.text);
    await click(underAnswers[0]);
    await settle();
    await click(button(root, 'Request a person'));
    expect(escalations().map((e) => e.trigger)).toEqual(['user']);
  });

  it("should offer a person under answers without a defined topic when the site's default is suggest_handoff", async () => {
    const { root, ask } = await setup({ answers: [HIGH, { ...HIGH, id: 'a-auto', topic: 'billing' }], autonomy: { defaultAutonomy: 'suggest_handoff', topics: { billing: 'auto' } } });
    await ask('first');
    await ask('second');
    const underAnswers = talkButtons(root).filter((b) => b.closest('.msg'));
    expect(underAnswers).toHaveLength(1);
    expect(underAnswers[0]!.closest('.msg')).toBe(root.querySelectorAll('div.msg.agent')[0]);
  });

  it('should open the request form after two "Not helpful" in a row, with trigger repeated_negative', async () => {
    const { root, ask, escalations } = await setup({ answers: [HIGH, HIGH] });
    await ask('one');
    await ask('two');
    for (const i of [0, 1]) {
      await click(root.querySelectorAll<HTMLButtonElement>('[aria-label="Rate this answer"] button')[2 * i + 1]);
      await click(button(root, 'Send feedback'));
    }
    await settle();
    expect(noteBox(root)).toBeTruthy();
    await click(button(root, 'Request a person'));
    expect(escalations().map((e) => e.trigger)).toEqual(['repeated_negative']);
  });

  it('should not open the form when a "Helpful" came between two "Not helpful"', async () => {
    const { root, ask } = await setup({ answers: [HIGH, HIGH, HIGH] });
    for (const q of ['one', 'two', 'three']) await ask(q);
    const rate = (i: number) => root.querySelectorAll<HTMLButtonElement>('[aria-label="Rate this answer"] button')[i];
    await click(rate(1));
    await click(button(root, 'Send feedback'));
    await click(rate(2));
    await click(rate(5));
    await click(button(root, 'Send feedback'));
    await settle();
    expect(noteBox(root)).toBeFalsy();
  });

  it('should escalate at once with trigger agent when the answer hands off, its reason as the note', async () => {
    const { ask, escalations } = await setup({ answers: [{ ...HIGH, handoff: { reason: 'Refunds over 100 EUR need a person' } }] });
    await ask('refund please');
    expect(escalations()).toMatchObject([{ trigger: 'agent', note: 'Refunds over 100 EUR need a person' }]);
  });

  it('should say the request is saved while it waits offline', async () => {
    const { root, handoff } = await setup({ waiting: true, server: 'unreachable' });
    handoff.request('user');
    await settle();
    expect(withText(root, "Saved — will send when you're back online")).toHaveLength(1);
    expect(withText(root, 'Waiting for a person.')).toHaveLength(1);
  });

  it('should send the user\'s messages to the person, not to the agent, while a person handles the conversation', async () => {
    const { ask, agent, handoff, outbox } = await setup();
    handoff.request('user');
    await settle();
    await ask('are you there?');
    expect(agent).not.toHaveBeenCalled();
    expect(outbox.added.filter((s) => s.kind === 'message')).toMatchObject([{ role: 'user', text: 'are you there?' }]);
  });
});

describe('nobody online', () => {
  it('should say so and ask for an email, refusing a bad address with a clear message', async () => {
    const { root, escalations } = await setup({ nobodyOnline: true });
    await click(talkButtons(root)[0]);
    await settle();
    expect(withText(root, "Nobody is online right now. Leave your email and we'll answer there.")).toHaveLength(1);
    await typeInto(emailBox(root), 'ada@example');
    await click(button(root, 'Request a person'));
    expect(root.querySelector('[role="alert"]')?.textContent).toBe('Enter a valid email address, like name@example.com.');
    expect(emailBox(root)?.getAttribute('aria-invalid')).toBe('true');
    expect(escalations()).toHaveLength(0);
  });

  it('should queue the request with the email to answer to', async () => {
    const { root, escalations } = await setup({ nobodyOnline: true, server: view({ availability: { nobodyOnline: true } }) });
    await click(talkButtons(root)[0]);
    await settle();
    await typeInto(emailBox(root), ' ada@example.com ');
    await click(button(root, 'Request a person'));
    await settle();
    expect(escalations()).toMatchObject([{ trigger: 'user', contactEmail: 'ada@example.com' }]);
    expect(root.textContent).toContain("we'll answer by email at ada@example.com");
  });
});

describe('live events', () => {
  async function requested(server?: ConversationView | 'unreachable') {
    const s = await setup({ server });
    s.handoff.request('user');
    await settle();
    return s;
  }

  it('should show who joined, each reply once (repeated events ignored), and that it was resolved', async () => {
    const { root, streams } = await requested();
    const [stream] = streams;
    stream!.onEvent('11', event('escalation.claimed', { status: 'claimed', staff: { displayName: 'Maya' } }));
    stream!.onEvent('12', event('message.human', { messageId: 'm1', text: 'Hello there', staff: { displayName: 'Maya' } }));
    stream!.onEvent('12', event('message.human', { messageId: 'm1', text: 'Hello there', staff: { displayName: 'Maya' } }));
    stream!.onEvent('11', event('escalation.claimed', { status: 'claimed', staff: { displayName: 'Maya' } }));
    await settle();
    expect(withText(root, 'Maya from Support joined')).toHaveLength(1);
    expect(withText(root, 'Hello there')).toHaveLength(1);
    expect(withText(root, "You're talking with Maya from Support.")).toHaveLength(1);
    stream!.onEvent('13', event('escalation.resolved', { status: 'resolved' }));
    await settle();
    expect(withText(root, 'This conversation was resolved')).toHaveLength(1);
    expect(talkButtons(root)).toHaveLength(1);
  });

  it('should not show a reply twice when it comes both in the stored conversation and as an event', async () => {
    const { root, streams } = await requested(view({ transcript: [{ messageId: 'm1', role: 'human', text: 'Hello there', author: 'Maya' }] }));
    streams[0]!.onEvent('11', event('message.human', { messageId: 'm1', text: 'Hello there', staff: { displayName: 'Maya' } }));
    await settle();
    expect(withText(root, 'Hello there')).toHaveLength(1);
  });

  it('should start the stream after the stored conversation\'s last event, with a fresh ticket each time', async () => {
    const { streams, api } = await requested();
    expect(streams).toHaveLength(1);
    expect(streams[0]!.lastEventId).toBe('10');
    expect(await streams[0]!.ticket()).toBe('ticket');
    expect(api.streamTicket).toHaveBeenCalledTimes(1);
  });

  it('should keep the last event id and resume after it when the page is reloaded', async () => {
    const first = await requested();
    first.streams[0]!.onEvent('17', event('message.human', { messageId: 'm1', text: 'Hi', staff: { displayName: 'Maya' } }));
    expect(localStorage.getItem(`backstop:live:${conversation.id}`)).toBe('17');
    document.body.innerHTML = '';
    const again = await setup();
    await settle();
    expect(again.streams.map((s) => s.lastEventId)).toEqual(['17']);
    expect(withText(again.root, 'Hi')).toHaveLength(1);
  });

  it('should open no stream for a conversation without a request', async () => {
    const { streams, api } = await setup();
    await settle();
    expect(streams).toHaveLength(0);
    expect(api.conversation).not.toHaveBeenCalled();
  });
});
