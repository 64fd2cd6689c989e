/**
 * Chat mode: the transcript, the wait for the agent, and the signal recorded for every user message and
 * every agent answer or failure. The transcript is kept in sessionStorage so a reload shows it again.
 */
import { computed, createModel, effect, signal, type ReadonlySignal } from '@preact/signals';
import { checkAgentAnswer, type AgentAnswer } from '../../shared/agent-answer';
import { fitsInSignal, MAX_MESSAGE_TEXT } from '../../shared/limits';
import { cleanText } from '../../shared/normalise';
import type { MessageSignal } from '../../shared/schemas';
import { askAgent, type AgentErrorCode, type AgentFn } from '../agent';
import { readSession, writeSession } from '../storage';
import { warn } from '../warn';
import { stamp, type Conversation } from './conversation';
import type { HandoffItem } from './handoff';
import { record, type SignalSink } from './record';

/** One row of the transcript; `id` is the clientEventId of the message signal it was recorded as. */
export type ChatItem =
  | { type: 'user'; id: string; text: string }
  | { type: 'agent'; id: string; answer: AgentAnswer; checking?: 1 }
  | { type: 'failed'; id: string; code: AgentErrorCode; question: string }
  | HandoffItem;

/** What the user reads for each failure; the timeout and error texts offer "Try again". */
export const AGENT_ERROR_TEXT: Record<AgentErrorCode, string> = {
  agent_timeout: "The assistant couldn't answer. It took too long to respond.",
  agent_error: "The assistant couldn't answer. Something went wrong on its side.",
  agent_bad_answer: "The assistant's answer could not be displayed",
};

/** Rows kept across reloads; older ones are still on the server. */
const KEPT_ITEMS = 100;

/** Whether a row read back from storage is still well formed (storage is shared with the host page). */
const isItem = (i: ChatItem): boolean =>
  typeof i?.id === 'string' &&
  (i.type === 'agent'
    ? checkAgentAnswer(i.answer).ok
    : i.type === 'user' || i.type === 'notice'
      ? typeof i.text === 'string'
      : i.type === 'human'
        ? typeof i.text === 'string' && typeof i.author === 'string'
        : i.type === 'failed' && i.code in AGENT_ERROR_TEXT);

/** A user's message as it is shown and recorded: trimmed, and normalised for storage. */
export const messageText = (typed: string): string => cleanText(typed.trim());

/** Whether a message (as `messageText` made it) is too long to be sent as one signal. */
export const isTooLong = (text: string): boolean => text.length > MAX_MESSAGE_TEXT || !fitsInSignal({ text });

export interface ChatDeps {
  conversation: Conversation;
  outbox: SignalSink;
  agent: ReadonlySignal<AgentFn | undefined>;
  storageKey: string;
  timeoutMs?: number;
  /** While true a person handles the conversation: messages are recorded for them and the agent is not asked. */
  toPerson?: ReadonlySignal<boolean>;
  /**
   * Whether a person reviews this answer first: it is then shown as being checked, without its text. The chat
   * stays busy while this is being decided; a failure to decide counts as yes.
   */
  reviewed?: (answer: AgentAnswer) => boolean | Promise<boolean>;
  /**
   * For an answer held: whether it is still under review once the site's settings are final; false shows it
   * (an answer held only because the settings were late, on a topic that turns out not to be reviewed).
   */
  settledReview?: (answer: AgentAnswer) => Promise<boolean>;
  /** Called with each valid answer the agent gives (the handoff policy acts on it). */
  onAnswer?: (answer: AgentAnswer) => void;
}

export const ChatModel = createModel((deps: ChatDeps) => {
  const { conversation } = deps;
  // The transcript of earlier pages is read when first shown, not at start: the first sessionStorage
  // access of a page can be a slow synchronous call. `changed` holds it once this page adds a row.
  let restored: ChatItem[] | undefined;
  const restore = () => {
    if (!restored) {
      const saved = readSession<ChatItem[]>(deps.storageKey);
      restored = Array.isArray(saved) ? saved.filter(isItem) : [];
    }
    return restored;
  };
  const changed = signal<ChatItem[] | undefined>(undefined);
  const items = computed(() => changed.value ?? restore());
  const busy = signal(false);
  const stop = new AbortController();
  effect(() => () => stop.abort());

  const push = (item: ChatItem) => {
    const next = [...items.peek(), item].slice(-KEPT_ITEMS);
    changed.value = next;
    writeSession(deps.storageKey, next);
  };
  const recordAgent = (body: Omit<MessageSignal, 'clientEventId' | 'conversationId' | 'conversationToken' | 'createdAt'>) => {
    const s = stamp<MessageSignal>(conversation, body);
    record(deps.outbox, s);
    return s.clientEventId;
  };

  /** Shows `text` in place of the checking state of answer `id`, if it is still being checked. */
  const decided = (id: string, text: string): void => {
    const next = items.peek().map((i) => (i.type === 'agent' && i.id === id && i.checking ? { type: i.type, id, answer: { ...i.answer, text } } : i));
    changed.value = next;
    writeSession(deps.storageKey, next);
  };

  const ask = async (question: string) => {
    const agent = deps.agent.peek();
    if (!agent || busy.peek()) return;
    busy.value = true;
    const result = await askAgent(agent, question, conversation.id, deps.timeoutMs, stop.signal);
    if (stop.signal.aborted) return;
    if (result.ok) {
      const { text, ...answer } = result.answer;
      const id = recordAgent({ kind: 'message', role: 'agent', text, answer });
      let held: boolean | undefined;
      try {
        held = await deps.reviewed?.(result.answer);
      } catch {
        held = true;
      }
      if (stop.signal.aborted) return;
      // Under review the text goes to the server only (in the outbox), never to the screen or the stored transcript.
      if (held) {
        push({ type: 'agent', id, answer: { ...result.answer, text: '' }, checking: 1 });
        // The text stays in memory only, for the case the hold came from late settings alone.
        deps.settledReview?.(result.answer).then(
          (still) => {
            if (still || stop.signal.aborted) return;
            decided(id, text);
            // Shown after all: the handoff policy sees it as any shown answer (an agent's own handoff request too).
            deps.onAnswer?.(result.answer);
          },
          () => {},
        );
      } else {
        push({ type: 'agent', id, answer: result.answer });
        deps.onAnswer?.(result.answer);
      }
    } else {
      const { code } = result;
      warn(code === 'agent_bad_answer' ? `the agent's answer is invalid: ${result.reason}.` : `the agent failed: ${result.reason}.`);
      push({ type: 'failed', id: recordAgent({ kind: 'message', role: 'agent', text: AGENT_ERROR_TEXT[code], error: code }), code, question });
    }
    busy.value = false;
  };

  return {
    items,
    /** Ids of the answers still being checked by a person. */
    checking: computed(() => items.value.flatMap((i) => (i.type === 'agent' && i.checking ? [i.id] : []))),
    /** Shows the text a person decided for an answer that was being checked. */
    decided,
    /** True while the agent is working on an answer. */
    busy: busy as ReadonlySignal<boolean>,
    /** Records and shows the user's message and asks the agent; false when it is empty or too long, or a wait is on. */
    send(text: string): boolean {
      const t = messageText(text);
      if (!t || isTooLong(t) || busy.value || (!deps.agent.value && !deps.toPerson?.value)) return false;
      const s = stamp<MessageSignal>(conversation, { kind: 'message', role: 'user', text: t });
      record(deps.outbox, s);
      push({ type: 'user', id: s.clientEventId, text: t });
      if (!deps.toPerson?.peek()) void ask(t);
      return true;
    },
    /** Adds a row from the handoff; a row whose id is already in the transcript is not shown twice. */
    show(item: HandoffItem): void {
      if (!items.peek().some((i) => i.id === item.id)) push(item);
    },
    /** Replaces the transcript (an earlier conversation the user opened). */
    load(next: ChatItem[]): void {
      changed.value = next.slice(-KEPT_ITEMS);
      writeSession(deps.storageKey, changed.value);
    },
    /** Asks the last failed question again. */
    retry(): void {
      const last = items.value[items.value.length - 1];
      if (last?.type === 'failed') void ask(last.question);
    },
  };
});
export type ChatModel = InstanceType<typeof ChatModel>;
