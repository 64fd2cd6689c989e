/**
 * Traces and failure modes as server, console and CLI see them. Types and constants only: no runtime deps.
 * Attribute names follow the OpenTelemetry GenAI conventions; `backstop.*` covers what they lack.
 */

/** The failure modes a negative signal is classified into, in the order Review lists them. */
export const FAILURE_MODES = [
  { id: 'tool_failure', label: 'Tool failure' },
  { id: 'context_drift', label: 'Context drift' },
  { id: 'instruction_drift', label: 'Instruction drift' },
  { id: 'hallucination', label: 'Hallucination under uncertainty' },
  { id: 'adversarial_input', label: 'Adversarial input' },
  { id: 'unknown', label: 'Unknown' },
] as const;

export type FailureMode = (typeof FAILURE_MODES)[number]['id'];
export const FAILURE_MODE_IDS = FAILURE_MODES.map((m) => m.id) as [FailureMode, ...FailureMode[]];

/** The attributes Backstop reads beyond the GenAI conventions. */
export const BACKSTOP_ATTRIBUTES = {
  contextWindowTokens: 'backstop.context.window_tokens',
  systemPromptTokens: 'backstop.prompt.system_tokens',
  confidence: 'backstop.confidence',
  topic: 'backstop.topic',
  release: 'backstop.release',
  retryAttempt: 'backstop.retry.attempt',
  /** Number of sources a retrieval step returned. */
  retrievalSources: 'backstop.retrieval.sources',
  /** Number of conversation turns the agent had in its context for this call. */
  conversationTurns: 'backstop.conversation.turns',
  /**
   * `false` when the agent's own check found its answer broke an instruction (on a span, or on one of its
   * events, as a post-answer check would record it); `backstop.instruction` beside it says which one.
   */
  instructionFollowed: 'backstop.instruction.followed',
  /** The instruction a `backstop.instruction.followed` check was about, e.g. "in one sentence". */
  instruction: 'backstop.instruction',
} as const;

/**
 * Token counts under their names before the GenAI conventions renamed them, still sent by older
 * instrumentations; read only when the current `gen_ai.usage.input_tokens` / `output_tokens` are absent.
 */
export const DEPRECATED_GEN_AI_USAGE = {
  inputTokens: 'gen_ai.usage.prompt_tokens',
  outputTokens: 'gen_ai.usage.completion_tokens',
} as const;

export interface SpanEvent {
  name: string;
  /** Milliseconds after the span's start. */
  offsetMs: number;
  attributes: Record<string, unknown>;
}

/** One tool as the trace shows it: its attempts folded together, the last one deciding the status. */
export interface ToolSummary {
  name: string;
  /** The span of the last attempt (the one to highlight when it failed). */
  spanId: string;
  status: 'ok' | 'error' | 'unset';
  /** `error.type`, else the status message of the last failed attempt. */
  error: string | null;
  attempts: number;
  durationMs: number;
}

/** What classification and Review need from a trace, recomputed from all its spans whenever some arrive. */
export interface TraceSummary {
  spanCount: number;
  errorCount: number;
  /** From the earliest start to the latest end. */
  durationMs: number;
  /** The model of the last LLM call (`gen_ai.request.model`, else `gen_ai.response.model`). */
  model: string | null;
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  /** The fullest context seen on an LLM call, as a share of `backstop.context.window_tokens`. */
  context: { spanId: string; inputTokens: number; windowTokens: number; ratio: number; turns: number | null } | null;
  systemPromptTokens: number | null;
  tools: ToolSummary[];
  /** Retrieval steps (`gen_ai.operation.name` = retrieval or embeddings); `sources` sums `backstop.retrieval.sources`. */
  retrieval: { calls: number; sources: number | null; spanId: string } | null;
  confidence: number | null;
  topic: string | null;
  release: string | null;
  /** The first failing span (error status), for highlighting. */
  errorSpanId: string | null;
  /**
   * The first instruction the agent's own check says its answer broke (`backstop.instruction.followed` false),
   * and how many such checks failed. Absent on summaries stored before it was read: treat as null.
   */
  instructionBroken?: { spanId: string; instruction: string | null; count: number } | null;
}

/** One failure mode that applied to a case, as the classifier explains it. */
export interface CaseModeVerdict {
  mode: FailureMode;
  /** 0–1: how sure the rule is. */
  confidence: number;
  /** One sentence citing the evidence, e.g. "tool `refund.create` failed with timeout after 2 attempts". */
  rationale: string;
  /** The span that shows it, when the evidence is in the trace. */
  spanId: string | null;
  /** The rule that matched (documented in server/domain/classify.ts). */
  rule: string;
}
