/**
 * What a trace says, in the terms classification and Review use: a pure function of ALL the trace's
 * stored spans, so it is simply recomputed whenever more spans arrive (in any order, over any number
 * of exports). The rules:
 *
 * - Spans are taken in start order (ties, common at the millisecond precision stored, by
 *   `backstop.retry.attempt`, then span id), so "first" and "last" do not depend on arrival.
 * - An **LLM call** is a span whose `gen_ai.operation.name` is chat, text_completion or generate_content,
 *   or any other span that names a model or reports token counts, unless it is a tool call, a retrieval
 *   step or an agent span (`invoke_agent`, `create_agent`: an agent span may repeat its calls' model and
 *   total their tokens, which would count them twice). So an operation the conventions do not list
 *   (`completion`, a vendor's own) still gives its model and tokens. `model` is the last call's model
 *   (request model, else response model); tokens are summed over LLM calls, read from
 *   `gen_ai.usage.input_tokens` / `output_tokens`, else the deprecated `prompt_tokens` / `completion_tokens`.
 * - **Context**: for each LLM call with input tokens, the window is its own `backstop.context.window_tokens`,
 *   else the one found on any span of the trace; the call with the highest input/window ratio is the
 *   fullest and is reported (with its `backstop.conversation.turns`, else the trace's). No window: null.
 * - **System prompt tokens**: `backstop.prompt.system_tokens` of the last span that reports it.
 * - **Tools**: spans with operation `execute_tool` or a `gen_ai.tool.name`, folded by tool name in start
 *   order. Attempts are the number of spans of that tool, or the highest `backstop.retry.attempt`
 *   (1 = first try) when that is more (a backend may report only its final attempt). The last attempt
 *   decides status and span; the error is the last failed attempt's `error.type`, else its exception
 *   event's type, else its status message. Duration sums the attempts.
 * - **Retrieval**: spans with operation `retrieval` or `embeddings`; sources sum `backstop.retrieval.sources`
 *   (null when no step reports it); the span is the last step.
 * - **Confidence, topic, release**: the last span carrying the `backstop.*` attribute, else the resource's
 *   (release falls back to the resource's `service.version`).
 * - **errorSpanId**: the first span with error status.
 * - **instructionBroken**: spans, and span events, with `backstop.instruction.followed` false (or "false"):
 *   the agent's own check says its answer broke an instruction. The first in start order (a span before
 *   its events) is reported, with its `backstop.instruction` and the number of failed checks.
 */
import { BACKSTOP_ATTRIBUTES as B, DEPRECATED_GEN_AI_USAGE, type SpanEvent, type ToolSummary, type TraceSummary } from '../../shared/traces';

/** The stored span fields a summary reads. */
export interface SummarySpan {
  spanId: string;
  name: string;
  startTime: Date;
  durationMs: number;
  statusCode: number;
  statusMessage: string | null;
  operation: string | null;
  model: string | null;
  toolName: string | null;
  errorType: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  attributes: Record<string, unknown>;
  events: SpanEvent[];
}

export const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content']);
export const RETRIEVAL_OPERATIONS = new Set(['retrieval', 'embeddings']);
/** Spans of a whole agent run: they may carry its model and token totals but are not calls of their own. */
export const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);

const num = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const resourceOf = (s: SummarySpan): Record<string, unknown> => {
  const r = s.attributes.resource;
  return r && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>) : {};
};

/** A token count from a deprecated attribute: a whole number of at least zero, else null. */
const deprecatedTokens = (s: SummarySpan, key: string): number | null => {
  const n = num(s.attributes[key]);
  return n !== null && n >= 0 ? Math.trunc(n) : null;
};
/** Input tokens from the stored column (the current attribute), else the deprecated `gen_ai.usage.prompt_tokens`. */
const inputTokensOf = (s: SummarySpan) => s.inputTokens ?? deprecatedTokens(s, DEPRECATED_GEN_AI_USAGE.inputTokens);
/** Output tokens from the stored column, else the deprecated `gen_ai.usage.completion_tokens`. */
const outputTokensOf = (s: SummarySpan) => s.outputTokens ?? deprecatedTokens(s, DEPRECATED_GEN_AI_USAGE.outputTokens);

const isTool = (s: SummarySpan) => s.operation === 'execute_tool' || s.toolName !== null;
const isRetrieval = (s: SummarySpan) => s.operation !== null && RETRIEVAL_OPERATIONS.has(s.operation);
function isLlmCall(s: SummarySpan): boolean {
  if (s.operation !== null && LLM_OPERATIONS.has(s.operation)) return true;
  if (isTool(s) || isRetrieval(s) || (s.operation !== null && AGENT_OPERATIONS.has(s.operation))) return false;
  // An operation the conventions do not list (or none): what a model call carries says what it is.
  return s.model !== null || inputTokensOf(s) !== null || outputTokensOf(s) !== null;
}

/** The value of the last span (in start order) that has it, read by `pick`. */
function lastOf<T>(ordered: readonly SummarySpan[], pick: (s: SummarySpan) => T | null): T | null {
  for (let i = ordered.length - 1; i >= 0; i--) {
    const v = pick(ordered[i]!);
    if (v !== null) return v;
  }
  return null;
}

function errorOf(s: SummarySpan): string | null {
  if (s.errorType) return s.errorType;
  const exception = s.events.find((e) => e.name === 'exception');
  return str(exception?.attributes['exception.type']) ?? str(exception?.attributes['exception.message']) ?? s.statusMessage;
}

const statusOf = (code: number): ToolSummary['status'] => (code === 2 ? 'error' : code === 1 ? 'ok' : 'unset');

function summariseTools(ordered: readonly SummarySpan[]): ToolSummary[] {
  const byName = new Map<string, SummarySpan[]>();
  for (const s of ordered) {
    if (!isTool(s)) continue;
    const name = s.toolName ?? s.name;
    byName.set(name, [...(byName.get(name) ?? []), s]);
  }
  return [...byName].map(([name, attempts]) => {
    const last = attempts[attempts.length - 1]!;
    const lastFailed = [...attempts].reverse().find((a) => a.statusCode === 2);
    const highestAttempt = Math.max(0, ...attempts.map((a) => num(a.attributes[B.retryAttempt]) ?? 0));
    return {
      name,
      spanId: last.spanId,
      status: statusOf(last.statusCode),
      error: lastFailed ? errorOf(lastFailed) : null,
      attempts: Math.max(attempts.length, Math.trunc(highestAttempt)),
      durationMs: attempts.reduce((sum, a) => sum + a.durationMs, 0),
    };
  });
}

function summariseContext(ordered: readonly SummarySpan[], calls: readonly SummarySpan[]): TraceSummary['context'] {
  const traceWindow = lastOf(ordered, (s) => num(s.attributes[B.contextWindowTokens]));
  const traceTurns = lastOf(ordered, (s) => num(s.attributes[B.conversationTurns]));
  let best: NonNullable<TraceSummary['context']> | null = null;
  for (const call of calls) {
    const window = num(call.attributes[B.contextWindowTokens]) ?? traceWindow;
    const inputTokens = inputTokensOf(call);
    if (inputTokens === null || !window || window <= 0) continue;
    const ratio = inputTokens / window;
    if (best && ratio <= best.ratio) continue;
    best = { spanId: call.spanId, inputTokens, windowTokens: window, ratio, turns: num(call.attributes[B.conversationTurns]) ?? traceTurns };
  }
  return best;
}

function summariseRetrieval(ordered: readonly SummarySpan[]): TraceSummary['retrieval'] {
  const steps = ordered.filter(isRetrieval);
  if (steps.length === 0) return null;
  const reported = steps.map((s) => num(s.attributes[B.retrievalSources])).filter((n): n is number => n !== null);
  return { calls: steps.length, sources: reported.length ? reported.reduce((a, b) => a + b, 0) : null, spanId: steps[steps.length - 1]!.spanId };
}

/** A check that found the answer broke an instruction: `false`, as a boolean or as exported text. */
const notFollowed = (attributes: Record<string, unknown>): boolean => {
  const v = attributes[B.instructionFollowed];
  return v === false || (typeof v === 'string' && v.trim().toLowerCase() === 'false');
};

function summariseInstructionChecks(ordered: readonly SummarySpan[]): TraceSummary['instructionBroken'] {
  // A span's own attributes first, then its events in the order they happened.
  const broken = ordered.flatMap((s) =>
    [s.attributes, ...[...s.events].sort((a, b) => a.offsetMs - b.offsetMs).map((e) => e.attributes)]
      .filter(notFollowed)
      .map((attributes) => ({ spanId: s.spanId, instruction: str(attributes[B.instruction]) })),
  );
  return broken.length ? { ...broken[0]!, count: broken.length } : null;
}

/** The summary of a trace from all its spans (see the rules above). */
export function summariseTrace(spans: readonly SummarySpan[]): TraceSummary {
  const attempt = (s: SummarySpan) => num(s.attributes[B.retryAttempt]) ?? 0;
  const ordered = [...spans].sort(
    (a, b) => a.startTime.getTime() - b.startTime.getTime() || attempt(a) - attempt(b) || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0),
  );
  const calls = ordered.filter(isLlmCall);
  // Loops, not Math.min(...spread): a spread of some 125k spans passes the engine's argument limit (RangeError).
  let start = ordered.length ? Infinity : 0;
  let end = ordered.length ? -Infinity : 0;
  for (const s of ordered) {
    start = Math.min(start, s.startTime.getTime());
    end = Math.max(end, s.startTime.getTime() + s.durationMs);
  }
  const fromSpansOrResource = (key: string) => lastOf(ordered, (s) => s.attributes[key] ?? null) ?? lastOf(ordered, (s) => resourceOf(s)[key] ?? null);
  const confidence = num(fromSpansOrResource(B.confidence));
  return {
    spanCount: ordered.length,
    errorCount: ordered.filter((s) => s.statusCode === 2).length,
    durationMs: Math.max(0, end - start),
    model: lastOf(calls, (s) => s.model),
    llmCalls: calls.length,
    inputTokens: calls.reduce((sum, s) => sum + (inputTokensOf(s) ?? 0), 0),
    outputTokens: calls.reduce((sum, s) => sum + (outputTokensOf(s) ?? 0), 0),
    context: summariseContext(ordered, calls),
    systemPromptTokens: lastOf(ordered, (s) => num(s.attributes[B.systemPromptTokens])),
    tools: summariseTools(ordered),
    retrieval: summariseRetrieval(ordered),
    confidence: confidence !== null && confidence >= 0 && confidence <= 1 ? confidence : null,
    topic: str(fromSpansOrResource(B.topic)),
    release: str(fromSpansOrResource(B.release)) ?? lastOf(ordered, (s) => str(resourceOf(s)['service.version'])),
    errorSpanId: ordered.find((s) => s.statusCode === 2)?.spanId ?? null,
    instructionBroken: summariseInstructionChecks(ordered),
  };
}
