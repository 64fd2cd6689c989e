/**
 * Classifies a negative case (Not helpful, an escalation, an outcome `agent_was_wrong`) into failure modes,
 * each with a confidence and a one-sentence rationale citing its evidence. Pure: the review projector
 * gathers the evidence (server/review/projector.ts) and stores the verdicts.
 *
 * Rules, in order. Each mode gets at most one verdict: the first of its rules that matches.
 *
 * | #  | rule                         | mode              | matches when                                                        | confidence |
 * |----|------------------------------|-------------------|---------------------------------------------------------------------|------------|
 * | 1  | injection_pattern            | adversarial_input | the message the answer replied to matches a prompt-injection pattern (injection-patterns.ts) | 0.90 |
 * | 1b | injection_earlier            | adversarial_input | an earlier user message of the conversation matches one              | 0.50       |
 * | 2  | reason_unsafe                | adversarial_input | user reason "Unsafe or inappropriate", no pattern matched           | 0.40       |
 * | 3  | tool_error                   | tool_failure      | a tool's last attempt failed                                        | 0.90       |
 * | 4  | tool_retries                 | tool_failure      | a tool succeeded only after retries                                 | 0.50       |
 * | 5  | reason_action_failed         | tool_failure      | user reason "An action failed", no failed or retried tool in the trace | 0.55    |
 * | 6  | context_near_window          | context_drift     | the fullest LLM call used ≥ 85% of the context window               | 0.85       |
 * | 7  | forgot_context_long          | context_drift     | user reason "Forgot earlier context" after ≥ 8 turns                | 0.70       |
 * | 8  | reason_forgot_context        | context_drift     | user reason "Forgot earlier context" in a shorter conversation      | 0.55       |
 * | 9  | instruction_check_failed     | instruction_drift | the agent's own check says the answer broke an instruction (`backstop.instruction.followed` false) | 0.80 |
 * | 10 | ignored_instruction_small_system_prompt | instruction_drift | user reason "Didn't do what I asked" and the system prompt < 2% of the context | 0.75 |
 * | 11 | reason_ignored_instruction   | instruction_drift | user reason "Didn't do what I asked"                                | 0.60       |
 * | 12 | small_system_prompt          | instruction_drift | the system prompt is < 2% of a context of ≥ 1,000 tokens            | 0.35       |
 * | 13 | low_confidence_no_sources    | hallucination     | stated confidence < 0.5 and no retrieval sources                    | 0.75       |
 * | 14 | reason_wrong_no_sources      | hallucination     | user reason "Wrong or made up" and no retrieval sources             | 0.65       |
 * | 15 | reason_wrong                 | hallucination     | user reason "Wrong or made up" although sources were retrieved      | 0.45       |
 * | 16 | nothing_applies              | unknown           | no rule above matched; the rationale says what was missing and quotes the user | 0 |
 *
 * Several modes may apply: all are kept, the primary first. The primary is the verdict with the highest
 * confidence, ties going to the earlier rule. So evidence seen in the input or the trace outranks a user's
 * reason that points elsewhere (a clear trace finding scores 0.75–0.90, a reason alone 0.55–0.65), while a
 * weak trace hint (a retried tool that then worked, a small system prompt) does not outrank a reason. When a
 * user reason agrees with trace evidence of the same mode, that verdict gains 0.05 and its rationale cites both;
 * it can then tie a stronger finding (a context at 0.85 + 0.05 with a failed tool at 0.90), and the earlier
 * rule still wins the tie. The agent's own instruction check (0.80) is a clear finding, but a near-full
 * context (0.85) outranks it: an overflowing context is the likelier reason an instruction was dropped.
 * Free text from a trace (a tool's error, an instruction) is cut to its first line and 120 characters.
 * "No retrieval sources": the trace has no retrieval step or its steps reported finding none, and the answer
 * cited no source; without a trace, only the answer's cited sources count. A retrieval step that does not
 * report its source count (`backstop.retrieval.sources`) counts as having found some.
 */
import type { CaseModeVerdict, FailureMode, TraceSummary } from '../../shared/traces';
import { FEEDBACK_REASONS } from '../../shared/feedback';
import { findInjection } from './injection-patterns';

/** What the projector knows about a case when it classifies it. */
export interface CaseEvidence {
  source: 'feedback' | 'escalation';
  /** Feedback reason ids (shared/feedback.ts); empty for escalations. */
  reasons: readonly string[];
  comment: string | null;
  /** The confidence the agent stated with the answer (else the trace's `backstop.confidence`). */
  statedConfidence: number | null;
  /** The user's messages in the conversation up to the answer, oldest first (the last is the answer's input). */
  userInputs: readonly string[];
  /** User turns in the conversation up to the answer. */
  turns: number;
  /** How many sources the answer cited; null when there is no answer to look at. */
  answerSources: number | null;
  trace: TraceSummary | null;
  escalation: { trigger: string; note: string | null; outcome: string | null } | null;
}

/** Context share of the window at which an answer counts as near the window's edge. */
export const CONTEXT_RATIO_THRESHOLD = 0.85;
/** User turns after which "Forgot earlier context" is read as a long-conversation failure. */
export const LONG_CONVERSATION_TURNS = 8;
/** Below this share of the context, the system prompt is too small to hold the agent's instructions. */
export const SMALL_SYSTEM_PROMPT_SHARE = 0.02;
const SMALL_SYSTEM_PROMPT_MIN_CONTEXT = 1000;
export const LOW_CONFIDENCE = 0.5;
const AGREEMENT_BONUS = 0.05;
const MAX_CONFIDENCE = 0.97;

/** Rule order, for ties (see the table above). */
const RULE_ORDER = [
  'injection_pattern',
  'injection_earlier',
  'reason_unsafe',
  'tool_error',
  'tool_retries',
  'reason_action_failed',
  'context_near_window',
  'forgot_context_long',
  'reason_forgot_context',
  'instruction_check_failed',
  'ignored_instruction_small_system_prompt',
  'reason_ignored_instruction',
  'small_system_prompt',
  'low_confidence_no_sources',
  'reason_wrong_no_sources',
  'reason_wrong',
  'nothing_applies',
] as const;
export type ClassifyRule = (typeof RULE_ORDER)[number];

const reasonLabel = (id: string) => FEEDBACK_REASONS.find((r) => r.id === id)?.label ?? id;
const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;
const num = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Longest free text from a trace (a tool's error, an instruction) that a rationale repeats. */
export const RATIONALE_TEXT_MAX = 120;

/**
 * Free text cut to fit in a one-sentence rationale: its first non-blank line, spaces collapsed, at most
 * `max` characters; an ellipsis marks anything left out (the rest of a line, or further lines). A tool's
 * error may be a multi-line status or exception message of up to 4 KiB (a stack trace, an HTML error page).
 */
export function clipForRationale(text: string, max = RATIONALE_TEXT_MAX): string {
  const lines = text.split(/\r\n|\r|\n/).map((line) => line.replace(/\s+/g, ' ').trim());
  const firstIndex = lines.findIndex((line) => line !== '');
  if (firstIndex < 0) return '';
  const first = lines[firstIndex]!;
  if (first.length > max) return `${first.slice(0, max - 1).trimEnd()}…`;
  return lines.slice(firstIndex + 1).some((line) => line !== '') ? `${first}…` : first;
}

function verdict(mode: FailureMode, rule: ClassifyRule, confidence: number, rationale: string, spanId: string | null = null): CaseModeVerdict {
  return { mode, rule, confidence, rationale, spanId };
}

/** Adds the user's agreeing reason to a trace verdict: a little more sure, and the rationale says so. */
function corroborate(v: CaseModeVerdict, reason: string): CaseModeVerdict {
  return { ...v, confidence: Math.min(MAX_CONFIDENCE, Math.round((v.confidence + AGREEMENT_BONUS) * 100) / 100), rationale: `${v.rationale}; user reason: ${reasonLabel(reason)}` };
}

function adversarial(e: CaseEvidence, has: (r: string) => boolean): CaseModeVerdict | null {
  // The input the answer replied to is the likeliest culprit. An attempt earlier in the conversation may
  // still steer later answers, but it is weaker evidence than a reason or a trace finding about this one.
  const inputs = [...e.userInputs].reverse();
  for (const [index, input] of inputs.entries()) {
    const match = findInjection(input);
    if (!match) continue;
    const v =
      index === 0
        ? verdict('adversarial_input', 'injection_pattern', 0.9, `input matches a prompt-injection pattern: ${match.pattern.label} ("${match.excerpt}")`)
        : verdict('adversarial_input', 'injection_earlier', 0.5, `an earlier message in the conversation matches a prompt-injection pattern: ${match.pattern.label} ("${match.excerpt}")`);
    return has('unsafe') ? corroborate(v, 'unsafe') : v;
  }
  return has('unsafe') ? verdict('adversarial_input', 'reason_unsafe', 0.4, `user reason: ${reasonLabel('unsafe')}`) : null;
}

function toolFailure(e: CaseEvidence, has: (r: string) => boolean): CaseModeVerdict | null {
  const tools = e.trace?.tools ?? [];
  const failed = tools.filter((t) => t.status === 'error');
  if (failed.length > 0) {
    const t = failed[0]!;
    const others = failed.length > 1 ? ` (and ${plural(failed.length - 1, 'other failed tool')})` : '';
    const error = t.error ? clipForRationale(t.error) : '';
    const how = `${error ? ` with ${error}` : ''}${t.attempts > 1 ? ` after ${t.attempts} attempts` : ''}`;
    const v = verdict('tool_failure', 'tool_error', 0.9, `tool \`${t.name}\` failed${how}${others}`, t.spanId);
    return has('action_failed') ? corroborate(v, 'action_failed') : v;
  }
  const retried = tools.find((t) => t.attempts > 1);
  if (retried) {
    const v = verdict('tool_failure', 'tool_retries', 0.5, `tool \`${retried.name}\` succeeded only after ${retried.attempts} attempts`, retried.spanId);
    return has('action_failed') ? corroborate(v, 'action_failed') : v;
  }
  if (!has('action_failed')) return null;
  const seen = tools.length ? `the trace shows ${plural(tools.length, 'tool call')} without error` : e.trace ? 'the trace shows no tool call' : 'no trace';
  return verdict('tool_failure', 'reason_action_failed', 0.55, `user reason: ${reasonLabel('action_failed')} (${seen})`);
}

function contextDrift(e: CaseEvidence, has: (r: string) => boolean): CaseModeVerdict | null {
  const ctx = e.trace?.context ?? null;
  const turns = ctx?.turns ?? e.turns;
  if (ctx && ctx.ratio >= CONTEXT_RATIO_THRESHOLD) {
    const after = turns > 0 ? ` after ${plural(turns, 'turn')}` : ` (${num(ctx.inputTokens)} of ${num(ctx.windowTokens)} tokens)`;
    const v = verdict('context_drift', 'context_near_window', 0.85, `context at ${pct(ctx.ratio)} of the window${after}`, ctx.spanId);
    return has('forgot_context') ? corroborate(v, 'forgot_context') : v;
  }
  if (!has('forgot_context')) return null;
  const label = reasonLabel('forgot_context');
  if (turns >= LONG_CONVERSATION_TURNS) return verdict('context_drift', 'forgot_context_long', 0.7, `user reason: ${label} after ${plural(turns, 'turn')}`, ctx?.spanId ?? null);
  return verdict('context_drift', 'reason_forgot_context', 0.55, `user reason: ${label} (${plural(turns, 'turn')}${ctx ? `, context at ${pct(ctx.ratio)}` : ''})`);
}

/** The system prompt's share of the fullest context, when it is small enough to count as evidence. */
function smallSystemPrompt(trace: TraceSummary | null): { text: string; spanId: string } | null {
  const ctx = trace?.context;
  const system = trace?.systemPromptTokens;
  if (!ctx || system == null || ctx.inputTokens < SMALL_SYSTEM_PROMPT_MIN_CONTEXT) return null;
  const share = system / ctx.inputTokens;
  if (share >= SMALL_SYSTEM_PROMPT_SHARE) return null;
  // One decimal: a whole percent would round 1.5% up to "2%", which reads as not under the 2% threshold.
  const shareText = share < 0.01 ? 'under 1%' : `${(Math.floor(share * 1000) / 10).toFixed(1)}%`;
  return { text: `system prompt is ${num(system)} tokens, ${shareText} of a ${num(ctx.inputTokens)}-token context`, spanId: ctx.spanId };
}

/** The agent's own finding that its answer broke an instruction, as a verdict (summaries stored before it was read lack it). */
function instructionCheck(trace: TraceSummary | null): CaseModeVerdict | null {
  const broken = trace?.instructionBroken;
  if (!broken) return null;
  const instruction = broken.instruction ? clipForRationale(broken.instruction) : '';
  const which = instruction ? `instruction "${instruction}"` : 'an instruction';
  const others = broken.count > 1 ? ` (and ${plural(broken.count - 1, 'other failed check')})` : '';
  return verdict('instruction_drift', 'instruction_check_failed', 0.8, `the agent's own check says ${which} was not followed${others}`, broken.spanId);
}

function instructionDrift(e: CaseEvidence, has: (r: string) => boolean): CaseModeVerdict | null {
  const checked = instructionCheck(e.trace);
  if (checked) return has('ignored_instruction') ? corroborate(checked, 'ignored_instruction') : checked;
  const small = smallSystemPrompt(e.trace);
  const label = reasonLabel('ignored_instruction');
  if (has('ignored_instruction') && small)
    return verdict('instruction_drift', 'ignored_instruction_small_system_prompt', 0.75, `user reason: ${label}, and the ${small.text}`, small.spanId);
  if (has('ignored_instruction')) return verdict('instruction_drift', 'reason_ignored_instruction', 0.6, `user reason: ${label}`);
  if (small) return verdict('instruction_drift', 'small_system_prompt', 0.35, `the ${small.text}`, small.spanId);
  return null;
}

function hallucination(e: CaseEvidence, has: (r: string) => boolean): CaseModeVerdict | null {
  const retrieval = e.trace?.retrieval ?? null;
  // A retrieval step that did not report how many sources it found may well have found some.
  const retrievedSome = retrieval !== null && (retrieval.sources === null || retrieval.sources > 0);
  const cited = e.answerSources ?? 0;
  const noSources = !retrievedSome && cited === 0;
  // Without a trace only the answer's own citations are known.
  const noSourcesText = e.trace ? 'no retrieval sources' : 'the answer cites no sources';
  const stated = e.statedConfidence ?? e.trace?.confidence ?? null;
  const spanId = retrieval?.spanId ?? null;
  if (stated !== null && stated < LOW_CONFIDENCE && noSources) {
    const v = verdict('hallucination', 'low_confidence_no_sources', 0.75, `stated confidence ${stated.toFixed(2)} and ${noSourcesText}`, spanId);
    return has('wrong') ? corroborate(v, 'wrong') : v;
  }
  if (!has('wrong')) return null;
  const label = reasonLabel('wrong');
  if (noSources) return verdict('hallucination', 'reason_wrong_no_sources', 0.65, `user reason: ${label}, and ${noSourcesText}`, spanId);
  const found = !retrievedSome
    ? `${plural(cited, 'source')} cited`
    : retrieval!.sources === null
      ? 'after a retrieval step'
      : `${plural(retrieval!.sources, 'retrieval source')} found`;
  return verdict('hallucination', 'reason_wrong', 0.45, `user reason: ${label} (${found})`, spanId);
}

const QUOTE_MAX = 80;
/** The user's own words, all of them on one line (their line breaks mean little), cut at 80 characters. */
const quote = (text: string) => `"${clipForRationale(text.replace(/\s+/g, ' '), QUOTE_MAX)}"`;

/** What was missing, for a case no rule explains; the user's own words are quoted for the reviewer. */
function unknownVerdict(e: CaseEvidence): CaseModeVerdict {
  const parts: string[] = [];
  if (e.escalation?.outcome === 'agent_was_wrong') parts.push('a person found the agent wrong');
  else if (e.escalation) parts.push(`escalated (trigger: ${e.escalation.trigger})`);
  parts.push(e.trace ? `the trace (${plural(e.trace.spanCount, 'span')}) shows no failure` : 'no trace');
  const given = e.reasons.filter((r) => r !== 'other');
  if (e.source === 'feedback') parts.push(given.length ? `user reason: ${given.map(reasonLabel).join(', ')}` : e.reasons.includes('other') ? 'user reason: Other' : 'no reason given');
  let text = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]!;
  const words = e.comment?.trim() ? `user comment: ${quote(e.comment)}` : e.escalation?.note?.trim() ? `escalation note: ${quote(e.escalation.note)}` : null;
  if (words) text += ` (${words})`;
  return verdict('unknown', 'nothing_applies', 0, text);
}

/**
 * The failure modes of a negative case, primary first (never empty: `unknown` when nothing applies).
 * See the rule table at the top of this file.
 */
export function classifyCase(e: CaseEvidence): CaseModeVerdict[] {
  const reasons = new Set(e.reasons);
  const has = (r: string) => reasons.has(r);
  const found = [adversarial, toolFailure, contextDrift, instructionDrift, hallucination].map((rule) => rule(e, has)).filter((v): v is CaseModeVerdict => v !== null);
  if (found.length === 0) return [unknownVerdict(e)];
  const order = (v: CaseModeVerdict) => RULE_ORDER.indexOf(v.rule as ClassifyRule);
  return found.sort((a, b) => b.confidence - a.confidence || order(a) - order(b));
}
