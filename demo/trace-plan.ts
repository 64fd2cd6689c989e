/**
 * What the mock agent "did" for each scenario, as a tree of planned spans: plain data, so the shape of every
 * trace can be read and tested without an SDK. demo/tracing.ts turns a plan into real OpenTelemetry spans.
 *
 * Attribute names follow the OpenTelemetry GenAI semantic conventions, plus Backstop's `backstop.*` attributes
 * for what they lack. Each failure scenario puts its evidence where an instrumented agent would:
 * - tool_timeout: two `execute_tool refund.create` spans with status ERROR, `error.type` timeout, retry attempts 1 and 2;
 * - drift: an LLM call whose input fills most of the context window after many turns;
 * - ignored_instruction: the user's constraint and the answer's length, in an event the answer contradicts;
 * - uncertain: a retrieval step with no sources and a low stated confidence;
 * - injection: the user's input and a guardrail that caught it.
 * Span timings fit inside the answer's delay, so the trace's duration matches what the user waited.
 */
import { BACKSTOP_ATTRIBUTES as B } from '../shared/traces';
import type { AgentAnswer } from '../shared/agent-answer';
import type { ScenarioId } from './agent';

export type PlannedValue = string | number | boolean | string[];
export type PlannedAttributes = Record<string, PlannedValue>;

export interface PlannedEvent {
  name: string;
  /** Milliseconds after the span's start. */
  offsetMs: number;
  attributes: PlannedAttributes;
}

export interface PlannedSpan {
  name: string;
  kind: 'internal' | 'client';
  /** Milliseconds after the trace's start. */
  startMs: number;
  durationMs: number;
  attributes: PlannedAttributes;
  /** Absent: status unset (the OpenTelemetry default for a span that did not fail). */
  error?: { type: string; message: string };
  events: PlannedEvent[];
  children: PlannedSpan[];
}

export interface TraceInput {
  scenario: ScenarioId;
  /** The user's message, as the agent received it. */
  message: string;
  /** 1-based turn of the message in its conversation. */
  turn: number;
  conversationId: string;
  /** The answer the agent gives (its confidence and topic are reported on the root span). */
  answer: Pick<AgentAnswer, 'confidence' | 'topic' | 'text' | 'sources'>;
}

/** The demo agent's model and context window, as a customer's agent would report them. */
export const DEMO_MODEL = 'acme-llm-large';
export const DEMO_PROVIDER = 'acme.ai';
export const DEMO_CONTEXT_WINDOW = 128_000;
export const DEMO_SYSTEM_PROMPT_TOKENS = 1_850;
/** The agent's release, reported on every root span (Review breaks calibration down by it). */
export const DEMO_RELEASE = 'support-agent@2026.12.1';
export const DEMO_AGENT_NAME = 'acme-support';
/** The demo's refund tool: it times out on every attempt. */
export const REFUND_TOOL = 'refund.create';
export const REFUND_TIMEOUT_MS = 450;
const AGENT_FAILURE = { type: 'demo_failure', message: 'The demo agent failed on purpose' };
/** What the instruction-drift answer retrieved: so much text that the system prompt is under 2% of the context. */
const HANDBOOK_SECTIONS = 14;
const HANDBOOK_TOKENS = 98_000;
/** Longest user input copied into a span event. */
const MAX_INPUT_IN_TRACE = 1000;

/** The context share a drifting conversation reaches: 89% at its first turn, growing a point a turn (94% at the 6th), at most 97%. */
export function driftContextRatio(turn: number): number {
  return Math.min(0.97, 0.88 + 0.01 * Math.min(Math.max(turn, 1), 9));
}

const span = (name: string, startMs: number, durationMs: number, attributes: PlannedAttributes, extra: Partial<PlannedSpan> = {}): PlannedSpan => ({
  name,
  kind: 'internal',
  startMs,
  durationMs,
  attributes,
  events: [],
  children: [],
  ...extra,
});

/** One LLM call (`chat`), with the context it carried against the model's window. */
function chat(startMs: number, durationMs: number, tokens: { input: number; output: number; turns: number }, extra: PlannedAttributes = {}): PlannedSpan {
  return span(
    `chat ${DEMO_MODEL}`,
    startMs,
    durationMs,
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': DEMO_PROVIDER,
      'gen_ai.request.model': DEMO_MODEL,
      'gen_ai.response.model': DEMO_MODEL,
      'gen_ai.usage.input_tokens': tokens.input,
      'gen_ai.usage.output_tokens': tokens.output,
      [B.contextWindowTokens]: DEMO_CONTEXT_WINDOW,
      [B.systemPromptTokens]: DEMO_SYSTEM_PROMPT_TOKENS,
      [B.conversationTurns]: tokens.turns,
      ...extra,
    },
    { kind: 'client' },
  );
}

/** A retrieval step over the help centre, returning `sources` documents. */
function retrieval(startMs: number, durationMs: number, query: string, sources: number): PlannedSpan {
  const s = span('retrieval help-center', startMs, durationMs, {
    'gen_ai.operation.name': 'retrieval',
    'gen_ai.data_source.id': 'help-center',
    [B.retrievalSources]: sources,
  });
  if (sources === 0) s.events.push({ name: 'retrieval.empty', offsetMs: durationMs, attributes: { query: clip(query, 200), 'retrieval.min_score': 0.72 } });
  return s;
}

/** One call of a tool; `error` makes it fail as a timeout would. */
function tool(name: string, startMs: number, durationMs: number, attempt: number, error?: { type: string; message: string }): PlannedSpan {
  const s = span(
    `execute_tool ${name}`,
    startMs,
    durationMs,
    { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.type': 'function', [B.retryAttempt]: attempt },
    error ? { error } : {},
  );
  // The exception event, as `span.recordException` writes it, at the moment the call gave up.
  if (error) s.events.push({ name: 'exception', offsetMs: durationMs, attributes: { 'exception.type': 'TimeoutError', 'exception.message': error.message } });
  return s;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
/** A rough token count for text the agent produced (about 4 characters a token, as English averages). */
const tokensOf = (text: string) => Math.max(1, Math.round(text.length / 4));
/** Context of an ordinary turn: the system prompt, the retrieved text and ~180 tokens per earlier turn. */
const contextTokens = (turn: number, extra = 0) => DEMO_SYSTEM_PROMPT_TOKENS + 180 * turn + extra;

/** The user's constraint the ignored_instruction answer breaks, as the agent would have parsed it. */
export function instructionIn(message: string): string {
  const match = /in one sentence|only yes or no|yes or no|in french|don['’]t[^.?!]*|dont[^.?!]*|do not[^.?!]*|without[^.?!]*/i.exec(message);
  return clip((match?.[0] ?? message).trim(), 200);
}

/** The children of the root span per scenario: the steps the agent took and where it went wrong. */
function steps(input: TraceInput): PlannedSpan[] {
  const { turn, message, answer } = input;
  const out = tokensOf(answer.text);
  switch (input.scenario) {
    case 'greeting':
      return [chat(20, 240, { input: contextTokens(turn), output: out, turns: turn })];
    case 'billing':
      return [
        retrieval(15, 110, message, answer.sources?.length ?? 2),
        tool('billing.get_account', 135, 160, 1),
        chat(310, 360, { input: contextTokens(turn, 1_400), output: out, turns: turn }),
      ];
    case 'uncertain':
      return [retrieval(15, 140, message, 0), chat(170, 700, { input: contextTokens(turn), output: out, turns: turn }, { [B.confidence]: answer.confidence })];
    case 'tool_timeout': {
      const timeout = { type: 'timeout', message: `${REFUND_TOOL} did not answer within ${REFUND_TIMEOUT_MS} ms` };
      return [
        chat(15, 220, { input: contextTokens(turn), output: 38, turns: turn }, { 'gen_ai.response.finish_reasons': ['tool_calls'] }),
        tool(REFUND_TOOL, 245, REFUND_TIMEOUT_MS, 1, timeout),
        tool(REFUND_TOOL, 245 + REFUND_TIMEOUT_MS + 60, REFUND_TIMEOUT_MS, 2, timeout),
        chat(1_230, 250, { input: contextTokens(turn, 120), output: out, turns: turn }),
      ];
    }
    case 'drift': {
      const turns = Math.max(turn, 1);
      const input = Math.round(DEMO_CONTEXT_WINDOW * driftContextRatio(turn));
      const call = chat(20, 560, { input, output: out, turns });
      // The history no longer fits: the oldest turns were cut, and with them the account facts the answer contradicts.
      call.events.push({
        name: 'backstop.context.truncated',
        offsetMs: 5,
        attributes: { 'backstop.context.dropped_turns': Math.max(1, Math.floor(turns / 2)), 'backstop.context.ratio': Number((input / DEMO_CONTEXT_WINDOW).toFixed(2)) },
      });
      return [call];
    }
    case 'ignored_instruction': {
      // The whole billing handbook went into the context: the system prompt and the user's constraint drown in it.
      const handbook = retrieval(15, 120, message, HANDBOOK_SECTIONS);
      const call = chat(150, 1_020, { input: contextTokens(turn, HANDBOOK_TOKENS), output: out, turns: turn });
      call.events.push({
        name: 'backstop.instruction.check',
        offsetMs: 1_020,
        attributes: { 'backstop.instruction': instructionIn(message), 'backstop.instruction.followed': false, 'backstop.answer.words': words(answer.text) },
      });
      return [handbook, call];
    }
    case 'injection': {
      const guard = span('guardrail prompt_injection', 10, 45, { 'backstop.guardrail.name': 'prompt_injection', 'backstop.guardrail.verdict': 'blocked' });
      guard.events.push({ name: 'backstop.guardrail.triggered', offsetMs: 40, attributes: { 'backstop.guardrail.rule': 'instruction_override', 'backstop.user.input': clip(message, MAX_INPUT_IN_TRACE) } });
      return [guard, chat(70, 400, { input: contextTokens(turn), output: out, turns: turn }, { 'backstop.guardrail.refusal': true })];
    }
    case 'broken_answer':
      return [chat(20, 260, { input: contextTokens(turn), output: out, turns: turn })];
    case 'agent_error': {
      const call = chat(20, 250, { input: contextTokens(turn), output: 0, turns: turn });
      call.error = AGENT_FAILURE;
      call.events.push({ name: 'exception', offsetMs: 250, attributes: { 'exception.type': 'DemoFailure', 'exception.message': AGENT_FAILURE.message } });
      return [call];
    }
  }
}

/** The whole trace of one answer: an `invoke_agent` root span with the scenario's steps under it. */
export function planTrace(input: TraceInput): PlannedSpan {
  const children = steps(input);
  const end = Math.max(...children.map((c) => c.startMs + c.durationMs)) + 10;
  const root = span(`invoke_agent ${DEMO_AGENT_NAME}`, 0, end, {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': DEMO_AGENT_NAME,
    'gen_ai.conversation.id': input.conversationId,
    [B.confidence]: input.answer.confidence,
    [B.topic]: input.answer.topic ?? 'general',
    [B.release]: DEMO_RELEASE,
    [B.conversationTurns]: input.turn,
  });
  root.children = children;
  // The user's words, as agents that capture content record them; for an injection attempt they are the evidence.
  root.events.push({ name: 'gen_ai.user.message', offsetMs: 0, attributes: { content: clip(input.message, MAX_INPUT_IN_TRACE) } });
  if (input.scenario === 'agent_error') root.error = AGENT_FAILURE;
  return root;
}
