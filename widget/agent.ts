/**
 * Asking the host's agent: a function given to `init`, or a URL the widget POSTs to. Every outcome,
 * including hangs and garbage, becomes a typed result the chat can show and record.
 */
import { checkAgentAnswer, type AgentAnswer } from '../shared/agent-answer';
import { cleanFetch } from './clean';

/** What the widget passes to an agent function along with the user's message. */
export interface AgentContext {
  conversationId: string;
  /** Aborted when the widget stops waiting (timeout or teardown). */
  signal: AbortSignal;
}

/** An agent as the host provides it; the returned value is validated, so it may be anything. */
export type AgentFn = (message: string, ctx: AgentContext) => unknown;

/** Why an agent gave no usable answer; the same codes are recorded on the message signal. */
export type AgentErrorCode = 'agent_timeout' | 'agent_error' | 'agent_bad_answer';

export type AgentResult = { ok: true; answer: AgentAnswer } | { ok: false; code: AgentErrorCode; reason: string };

/** How long the widget waits for an answer before it offers to try again. */
export const AGENT_TIMEOUT_MS = 30_000;


/** An agent that POSTs `{ conversationId, message }` as JSON to `url` and expects an AgentAnswer back. */
// The browser's own fetch, so a host that wraps `fetch` cannot break or observe agent calls.
export function agentFromUrl(url: string, fetchImpl = cleanFetch): AgentFn {
  return async (message, ctx) => {
    if (!fetchImpl) throw new Error('fetch is not available');
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: ctx.conversationId, message }),
      signal: ctx.signal,
    });
    if (!res.ok) throw new Error(`the agent URL answered HTTP ${res.status}`);
    return res.json();
  };
}

const TIMEOUT = Symbol('timeout');

/** Asks the agent once; never rejects. `stop` aborts the call early (the result is then a timeout). */
export async function askAgent(
  agent: AgentFn,
  message: string,
  conversationId: string,
  timeoutMs = AGENT_TIMEOUT_MS,
  stop?: AbortSignal,
): Promise<AgentResult> {
  const ctrl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // An agent function may ignore the abort signal, so the wait itself is raced against the clock.
  const timeout = new Promise<never>((_, reject) => {
    const fire = () => {
      ctrl.abort();
      reject(TIMEOUT);
    };
    timer = setTimeout(fire, timeoutMs);
    stop?.addEventListener('abort', fire);
  });
  timeout.catch(() => {}); // `stop` may fire after the race is over
  try {
    const raw = await Promise.race([Promise.resolve().then(() => agent(message, { conversationId, signal: ctrl.signal })), timeout]);
    const check = checkAgentAnswer(raw);
    return check.ok ? check : { ok: false, code: 'agent_bad_answer', reason: `'${check.field}' ${check.error}` };
  } catch (e) {
    if (e === TIMEOUT) return { ok: false, code: 'agent_timeout', reason: `no answer within ${timeoutMs / 1000} s` };
    return { ok: false, code: 'agent_error', reason: e instanceof Error ? e.message : 'the agent failed' };
  } finally {
    clearTimeout(timer);
  }
}
