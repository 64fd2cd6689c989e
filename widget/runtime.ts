/**
 * One running widget for one site: the api client, the outbox, the models, the chat panel (chat mode)
 * and the controls attached under a host's own answers (wrap mode). Start-up does only what the launcher
 * needs; the rest follows in idle tasks or on first use (see services.ts).
 */
import { computed, effect, signal, untracked } from '@preact/signals';
import { h, render, type ComponentChild } from 'preact';
import { checkAgentAnswer } from '../shared/agent-answer';
import type { MessageSignal } from '../shared/schemas';
import { agentFromUrl } from './agent';
import { createApi } from './api/client';
import { AnswerFooter } from './components/AnswerFooter';
import { App } from './components/App';
import { dispose } from './dispose';
import { adopt, createHost, keepAttached, whenBody } from './host';
import { ChatModel, type ChatItem } from './models/chat';
import { ConfigModel } from './models/config';
import { lazyConversation, stamp, storageKey, type Conversation, type TabConversation } from './models/conversation';
import { FeedbackModel } from './models/feedback';
import { HandoffModel } from './models/handoff';
import type { LiveModule } from './live/index';
import { record } from './models/record';
import type { InitOptions } from './options';
import { createOutbox } from './outbox';
import { createServices, type ServiceDeps } from './services';
import { ANSWER_CSS } from './styles/answer.css';
import { BASE_CSS } from './styles/base.css';
import { LAUNCHER_CSS } from './styles/launcher.css';
import { PANEL_CSS } from './styles/panel.css';
import { removeSession } from './storage';
import { warn } from './warn';

/** What `init` returns, and what the `Backstop(...)` commands drive. */
export interface Widget {
  /** Changes options after start (agent, texts, colour, position); `siteKey` and `apiUrl` are fixed. */
  update(options: Partial<InitOptions>): void;
  /** `Backstop('identify', { userId, name?, email?, token })`: sent with the conversation when the panel opens. */
  identify(identity: unknown): void;
  /** Wrap mode: adds the badge and feedback controls right after `element`, a host-rendered answer. */
  attach(element: unknown, answer: unknown): void;
  open(): void;
  close(): void;
  /**
   * `Backstop('reset')`, when the host app's user signs out: ends this tab's conversation for the site and starts
   * afresh, as on a first visit (no transcript, handoff, identity or attached controls). Signals already recorded
   * stay in the outbox, each with its own conversation, and are still delivered.
   */
  reset(): void;
  /** Removes everything the widget added to the page and stops sending. */
  destroy(): void;
}

export interface WidgetDeps extends ServiceDeps {
  /** Loads widget-live.js on first use; without it a request for a person is still recorded, but not followed. */
  loadLive?: () => Promise<LiveModule>;
}

// One reference, so the minifier keeps one copy of the stylesheet's text rather than inlining it twice.
const answerCss: string = ANSWER_CSS;

const noLive = () => Promise.reject(new Error('live updates are not available in this build'));

/** Everything that belongs to one conversation of the tab; `reset` disposes it and makes the next. */
interface Session {
  conversation: TabConversation;
  chat: ChatModel;
  /** Made when the chat mounts or a Low answer is attached; it reads its stored request in a later task. */
  handoff(): HandoffModel;
  feedbackFor(messageId: string): FeedbackModel;
  /** Wrap mode: the message recorded for each attached answer, by the answer's whole content. */
  answered: Map<string, string>;
  /** Wrap mode: the roots of the controls attached under the host's answers. */
  footers: Set<ShadowRoot>;
  dispose(): void;
}

export function createWidget(initial: InitOptions & { apiUrl: string }, deps: WidgetDeps = { createApi, createOutbox }): Widget {
  const { siteKey, apiUrl } = initial;
  const options = signal<Partial<InitOptions>>(initial);
  const services = createServices({ siteKey, apiUrl }, deps);
  const { outbox } = services;
  const config = new ConfigModel(services, options, storageKey(siteKey, 'autonomy'));
  const agent = computed(() => options.value.agent ?? (options.value.agentUrl ? agentFromUrl(options.value.agentUrl) : undefined));
  const newSession = (): Session => {
    const conversation = lazyConversation(siteKey);
    let handoffModel: HandoffModel | undefined;
    const handoff = () =>
      (handoffModel ??= new HandoffModel({
        conversation,
        outbox,
        siteKey,
        loadLive: deps.loadLive ?? noLive,
        apiUrl,
        nobodyOnline: config.nobodyOnline,
        autonomy: config.autonomy,
        storageKey: storageKey(siteKey, 'handoff'),
        show: (item) => chat.show(item),
      }));
    const chat = new ChatModel({
      conversation,
      outbox,
      agent,
      storageKey: storageKey(siteKey, 'chat'),
      toPerson: computed(() => handoff().active.value),
      // Waits for the site's settings; without them (and without those of an earlier visit) the answer is held.
      reviewed: (answer) => config.review(answer.topic),
      settledReview: (answer) => config.settledReview(answer.topic),
      // The agent hands off: the request goes at once, with its reason as the note staff read.
      onAnswer: (answer) => void (answer.handoff && handoff().request('agent', answer.handoff.reason)),
    });
    const feedback = new Map<string, FeedbackModel>();
    return {
      conversation,
      chat,
      handoff,
      feedbackFor(messageId) {
        let model = feedback.get(messageId);
        if (!model) feedback.set(messageId, (model = new FeedbackModel({ messageId, conversation, outbox, onRated: (r) => handoff().rated(r) })));
        return model;
      },
      answered: new Map(),
      footers: new Set(),
      dispose: () => [chat, ...(handoffModel ? [handoffModel] : []), ...feedback.values()].forEach(dispose),
    };
  };
  const session = signal(newSession());
  const waiting = computed(() => outbox.state.value.waiting);
  const open = signal(false);
  const identity = signal<Record<string, unknown> | undefined>(undefined);
  // "Earlier conversations" of a verified user, made by widget-live.js.
  const earlier = signal<(() => ComponentChild) | undefined>(undefined);
  let identified: unknown;
  let destroyed = false;
  // Each reset remounts the chat: state kept in components (a message being typed) goes with the conversation.
  let resets = 0;
  let draw: (() => void) | undefined;

  const hosts = new Set<HTMLElement>();
  const roots = new Set<ShadowRoot>();
  const cleanups: (() => void)[] = [];
  // Answers a person is checking: widget-live.js waits for the decisions (after a reload too). The wait reads
  // the conversation as it starts, then follows `draft.decided` events. It starts again each time the outbox
  // has delivered everything: a read made before an answer reached the server does not find it, and an answer
  // the server did not hold (checking only because the site's settings were unknown) gets no such event.
  let waitingForDrafts: (() => void) | undefined;
  let draftWaits = 0;
  const stopDrafts = () => {
    draftWaits++;
    waitingForDrafts?.();
    waitingForDrafts = undefined;
  };
  const waitForDrafts = () => {
    waitingForDrafts?.();
    const run = ++draftWaits;
    const ended = () => void (run === draftWaits && (waitingForDrafts = undefined));
    waitingForDrafts = () => {};
    const { conversation, chat } = session.peek();
    (deps.loadLive ?? noLive)().then((live) => {
      if (destroyed || run !== draftWaits) return;
      waitingForDrafts = live.awaitDrafts({
        conversation,
        apiUrl,
        siteKey,
        pending: () => chat.checking.peek(),
        decided: (id, text) => chat.decided(id, text),
        done: ended,
      });
    }, ended);
  };
  const delivered = computed(() => !outbox.state.value.pending);
  let wasDelivered = true;
  cleanups.push(() => waitingForDrafts?.());
  cleanups.push(
    effect(() => {
      const again = delivered.value && !wasDelivered;
      wasDelivered = delivered.value;
      if (session.value.chat.checking.value.length && (again || !waitingForDrafts)) untracked(waitForDrafts);
    }),
  );
  const place = (name: string, css: string[]) => {
    const { host, root } = createHost(name, css);
    hosts.add(host);
    roots.add(root);
    theme(host);
    return { host, root };
  };
  // CSSOM custom property (CSP-safe, unlike a style attribute); without a colour the host page may theme us.
  const theme = (host: HTMLElement) => {
    const color = config.primaryColor.peek();
    if (color) host.style.setProperty('--backstop-primary', color);
    else host.style.removeProperty('--backstop-primary');
  };
  cleanups.push(effect(() => void (config.primaryColor.value, hosts.forEach(theme))));

  // Chat mode starts once an agent is known; pages that only wrap their own chat never get a launcher.
  let chatMounted = false;
  // Each step in a task of its own after the script's: together they would be one long task.
  const mountChat = () => {
    if (destroyed) return;
    const { host, root } = place('backstop-widget', [BASE_CSS, LAUNCHER_CSS]);
    setTimeout(() => {
      if (destroyed) return;
      draw = () => {
        const { chat, feedbackFor, handoff } = session.peek();
        render(h(App, { key: resets, chat, config, outbox, open, feedbackFor, handoff: handoff(), earlier }), root);
      };
      draw();
      document.body.append(host);
      cleanups.push(keepAttached(host));
      // The panel's styles are parsed when it first opens; the effect runs before the panel renders.
      cleanups.push(effect(() => void (open.value && (adopt(root, [answerCss, PANEL_CSS]), session.peek().handoff().preload()))));
      // Each identity once, when the panel is open (a page that never opens the chat sends nothing).
      cleanups.push(
        effect(() => {
          const who = identity.value;
          if (!open.value || !who || who === identified) return;
          identified = who;
          // An answer that comes after a reset is about the user who signed out: it is not shown.
          const s = session.peek();
          const current = () => !destroyed && session.peek() === s;
          const show = (v: typeof earlier.value) => void (current() && (earlier.value = v));
          const openOne = (c: Conversation, items: ChatItem[]) => void (current() && (s.conversation.set(c), s.chat.load(items)));
          (deps.loadLive ?? noLive)()
            .then((m) => m.identify({ apiUrl, siteKey, conversation: s.conversation, identity: who, h, show, open: openOne }))
            .catch((e) => warn('identify failed:', e));
        }),
      );
    });
  };
  cleanups.push(
    effect(() => {
      if (agent.value && !chatMounted) {
        chatMounted = true;
        untracked(() => setTimeout(() => whenBody(mountChat)));
      }
    }),
  );

  // Wrap mode records each answer once per page and conversation, so its feedback can refer to it. Answers are
  // told apart by their whole content, not their id: agents reuse ids (per turn, per template) for different answers.
  const attached = new WeakMap<Element, ShadowRoot>();
  services.start();

  return {
    identify(value) {
      if (typeof value !== 'object' || !value || typeof (value as { userId?: unknown }).userId !== 'string')
        return warn("Backstop('identify', { userId, name?, email?, token }): 'userId' must be a string.");
      identity.value = value as Record<string, unknown>;
    },
    update(next) {
      if ((next.siteKey && next.siteKey !== siteKey) || (next.apiUrl && next.apiUrl !== apiUrl)) {
        warn('siteKey and apiUrl cannot change after the widget started; those options were ignored.');
      }
      const { siteKey: _k, apiUrl: _u, ...rest } = next;
      options.value = { ...options.value, ...rest };
    },

    attach(element, value) {
      if (destroyed) return;
      if (!(element instanceof Element) || !element.parentNode) {
        return warn("Backstop('attach', element, answer): 'element' must be a DOM element that is in the page.");
      }
      const check = checkAgentAnswer(value);
      if (!check.ok) return warn(`Backstop('attach', element, answer): '${check.field}' ${check.error}.`);
      const answer = check.answer;
      // The host page shows the text itself: a draft cannot be held back from the user here.
      if (config.reviewed(answer.topic)) warn(`Backstop('attach'): answers of topic '${answer.topic ?? ''}' are under human review; wrap mode cannot hold them back, so show them only once approved.`);
      const { answered, conversation, feedbackFor, handoff, footers } = session.peek();
      const key = JSON.stringify(answer);
      let messageId = answered.get(key);
      if (!messageId) {
        const { text, ...meta } = answer;
        const s = stamp<MessageSignal>(conversation, { kind: 'message', role: 'agent', text, answer: meta });
        record(outbox, s);
        answered.set(key, (messageId = s.clientEventId));
      }
      const vnode = h('div', { class: 'root' }, h(AnswerFooter, { answer, thresholds: config.thresholds, feedback: feedbackFor(messageId), waiting, handoff: { model: handoff(), at: messageId } }));
      // Attaching to the same element again (a host re-render) updates the controls instead of adding more.
      // A reset removed the controls of the conversation before, so they are made anew.
      const existing = attached.get(element);
      if (existing?.host.isConnected) return render(vnode, existing);
      const { host, root } = place('backstop-answer', [BASE_CSS, answerCss]);
      render(vnode, root);
      attached.set(element, root);
      footers.add(root);
      element.after(host);
    },

    open() {
      if (!agent.peek()) warn("Backstop('open') needs chat mode: pass 'agent' or 'agentUrl' to init.");
      open.value = true;
    },
    close() {
      open.value = false;
    },

    reset() {
      if (destroyed) return;
      const old = session.peek();
      // Stop following the old conversation (its drafts, its live stream, an agent's answer on the way).
      stopDrafts();
      old.dispose();
      old.conversation.forget();
      removeSession(storageKey(siteKey, 'chat'));
      removeSession(storageKey(siteKey, 'handoff'));
      // Controls under the host's answers would rate the previous user's answers; a new attach makes them again.
      old.footers.forEach((root) => {
        render(null, root);
        root.host.remove();
        hosts.delete(root.host as HTMLElement);
        roots.delete(root);
      });
      identity.value = undefined;
      identified = undefined;
      earlier.value = undefined;
      resets++;
      session.value = newSession();
      draw?.();
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      cleanups.forEach((c) => c());
      roots.forEach((root) => render(null, root));
      hosts.forEach((host) => host.remove());
      session.peek().dispose();
      dispose(config);
      services.dispose();
    },
  };
}
