/**
 * Production readiness: the seven checks of the reliability checklist, each pass / warn / fail with the
 * evidence from the site's own data of the last READINESS_WINDOW_DAYS and what to do next.
 * `evaluateReadiness` is pure (gathered stats in, checks out); readiness-stats.ts gathers the stats.
 *
 * Thresholds (also in the README):
 * | check                 | fail                                                             | warn                                                                                        |
 * |-----------------------|------------------------------------------------------------------|---------------------------------------------------------------------------------------------|
 * | context_management    | context_drift cases ≥ 2% of answers, or ≥ 20% of traced contexts at ≥ 80% of the window | ≥ 0.5% drift, ≥ 5% near the limit, or no context usage reported             |
 * | tool_call_resilience  | tool calls failed in ≥ 5% of traces with tools, or ≥ 50% of failed answers not escalated (≥ 10 failures) | ≥ 1% failed, ≥ 20% not escalated (≥ 10 failures), or no tool calls reported |
 * | instruction_clarity   | instruction_drift cases ≥ 2% of answers, or median system prompt > 4000 tokens | ≥ 0.5% drift, median > 2000 tokens, or no system prompt size reported                 |
 * | uncertainty_handling  | ECE ≥ 0.15, or nobody on the site can take a handoff             | ECE ≥ 0.08, or fewer than 50 rated answers with a confidence                                |
 * | failure_cost_mapping  | a high-cost topic runs `auto` without a record (fewer than `stepUpMinDecisions` rated answers, or helpful lower bound below `stepUpLowerBound`) | a topic without failure cost, no topics at all, or ≥ 20% of answers without a topic |
 * | observability         | ≥ 20% of answers have no trace                                   | ≥ 5% have no trace                                                                          |
 * | security_posture      | empty origin allowlist, identity `required` without a secret, or adversarial cases ≥ 1% of answers | redaction off, server senders allowed, an ingest key older than 90 days, or any adversarial input seen |
 *
 * With no answers in the window every data check warns "No answers in the last 30 days": never a false pass.
 */
import { wilsonInterval } from './wilson';
import { READINESS_CHECK_IDS, type ReadinessCheck, type ReadinessCheckId, type ReadinessStatus } from '../../shared/trust';

export const READINESS_WINDOW_DAYS = 30;
/** An active ingest key older than this was not rotated. */
export const KEY_ROTATION_DAYS = 90;
/** Rated answers needed before calibration (ECE) is judged. */
export const MIN_RATED_FOR_ECE = 50;

export const READINESS_TITLES: Record<ReadinessCheckId, string> = {
  context_management: 'Context management',
  tool_call_resilience: 'Tool-call resilience',
  instruction_clarity: 'Instruction clarity',
  uncertainty_handling: 'Uncertainty handling',
  failure_cost_mapping: 'Failure-cost mapping',
  observability: 'Observability',
  security_posture: 'Security posture',
};

/** Everything the checks read, gathered for one site over the window. */
export interface ReadinessStats {
  windowDays: number;
  /** Agent answers in the window, and those whose trace was reported. */
  answers: number;
  tracedAnswers: number;
  /** Traced answers whose trace reported context usage, and those at ≥ 80% of the context window. */
  withContext: number;
  contextNearLimit: number;
  /** Traced answers with tool calls, with a failed tool call, and those of them not escalated afterwards. */
  withTools: number;
  toolFailed: number;
  toolFailedNotEscalated: number;
  /** Traced answers reporting the system prompt's size, and its median in tokens. */
  withSystemPrompt: number;
  systemPromptMedian: number | null;
  /** Negative cases by failure mode, and escalations. */
  contextDriftCases: number;
  instructionDriftCases: number;
  adversarialCases: number;
  escalations: number;
  /** Rated answers with a stated confidence, and their expected calibration error. */
  ratedWithConfidence: number;
  ece: number | null;
  /** Answers below the Low threshold (the widget offers a person under each). */
  lowConfidenceAnswers: number;
  /** Staff (agents and admins, enabled) who can take a handoff on the site. */
  handoffStaff: number;
  /** Topics: every one seen in answers or defined, with its policy (null cost: not set, or not defined at all). */
  topics: { name: string; defined: boolean; failureCost: 'low' | 'high' | null; autonomy: string; rated: number; helpful: number }[];
  answersWithoutTopic: number;
  /** Track-record criteria for a high-cost topic under `auto`. */
  stepUpMinDecisions: number;
  stepUpLowerBound: number;
  /** Settings. */
  allowedOrigins: number;
  redactPii: boolean;
  allowServerSenders: boolean;
  identityMode: 'optional' | 'required';
  identitySecrets: number;
  activeIngestKeys: number;
  oldestIngestKeyDays: number | null;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 && x > 0 ? 1 : 0)}%`;
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function check(id: ReadinessCheckId, status: ReadinessStatus, evidence: string, advice: string): ReadinessCheck {
  return { id, title: READINESS_TITLES[id], status, evidence, advice };
}

/** The no-data answer: a warning, never a pass. */
function noAnswers(id: ReadinessCheckId, s: ReadinessStats, advice: string): ReadinessCheck {
  return check(id, 'warn', `No answers in the last ${s.windowDays} days.`, advice);
}

function contextManagement(s: ReadinessStats): ReadinessCheck {
  const id = 'context_management';
  if (s.answers === 0) return noAnswers(id, s, 'Send answers through the widget and report their traces with context usage (backstop.context.window_tokens).');
  const drift = ratio(s.contextDriftCases, s.answers);
  const near = ratio(s.contextNearLimit, s.withContext);
  const evidence =
    `${plural(s.contextDriftCases, 'context drift case')} (${pct(drift)} of ${plural(s.answers, 'answer')}); ` +
    (s.withContext ? `${pct(near)} of ${plural(s.withContext, 'traced answer')} used ≥ 80% of the context window.` : 'no trace reported context window usage.');
  if (drift >= 0.02 || (s.withContext > 0 && near >= 0.2))
    return check(id, 'fail', evidence, 'Prune or summarise long conversations, retrieve instead of carrying history, and split long tasks; review the context drift cases in Review.');
  if (drift >= 0.005 || near >= 0.05 || s.withContext === 0)
    return check(
      id,
      'warn',
      evidence,
      s.withContext === 0
        ? 'Report input tokens and backstop.context.window_tokens on LLM spans so context pressure can be measured.'
        : 'Watch long conversations: test the agent at the edge of its context window and review the drift cases.',
    );
  return check(id, 'pass', evidence, 'Keep testing long conversations at the edge of the context window before each release.');
}

function toolCallResilience(s: ReadinessStats): ReadinessCheck {
  const id = 'tool_call_resilience';
  if (s.answers === 0) return noAnswers(id, s, 'Report tool-call spans (status, error, retries) with each answer.');
  if (s.withTools === 0)
    return check(id, 'warn', `None of ${plural(s.tracedAnswers, 'traced answer')} reported a tool call.`, 'If the agent uses tools, report each call as a span (gen_ai.operation.name = execute_tool) with its status.');
  const failed = ratio(s.toolFailed, s.withTools);
  const unescalated = ratio(s.toolFailedNotEscalated, s.toolFailed);
  const enough = s.toolFailed >= 10;
  const evidence = `Tool calls failed in ${pct(failed)} of traces (${s.toolFailed} of ${s.withTools})` + (s.toolFailed ? ` and ${pct(unescalated)} of those answers were not escalated.` : '.');
  if (failed >= 0.05 || (enough && unescalated >= 0.5))
    return check(id, 'fail', evidence, 'Add retries with backoff and a fallback to the failing tools, and hand the conversation to a person (escalate) when a tool call fails.');
  if (failed >= 0.01 || (enough && unescalated >= 0.2))
    return check(id, 'warn', evidence, 'Check the failing tools in Review (tool_failure) and escalate answers whose tool call failed.');
  return check(id, 'pass', evidence, 'Keep failure handling tested: simulate timeouts and errors of each tool before release.');
}

function instructionClarity(s: ReadinessStats): ReadinessCheck {
  const id = 'instruction_clarity';
  if (s.answers === 0) return noAnswers(id, s, 'Report the system prompt size (backstop.prompt.system_tokens) on LLM spans.');
  const drift = ratio(s.instructionDriftCases, s.answers);
  const median = s.systemPromptMedian;
  const evidence =
    `${plural(s.instructionDriftCases, 'instruction drift case')} (${pct(drift)} of answers); ` +
    (median === null ? 'no trace reported the system prompt size.' : `median system prompt ${Math.round(median)} tokens.`);
  if (drift >= 0.02 || (median !== null && median > 4000))
    return check(id, 'fail', evidence, 'Split the prompt: one focused system prompt per task, separate agent calls for separate tasks, instead of edge-case patches.');
  if (drift >= 0.005 || median === null || median > 2000)
    return check(
      id,
      'warn',
      evidence,
      median === null ? 'Report backstop.prompt.system_tokens on LLM spans so prompt growth is visible.' : 'Review instruction drift cases and trim the system prompt to what the task needs.',
    );
  return check(id, 'pass', evidence, 'Keep the system prompt short and focused; re-check after every prompt change.');
}

function uncertaintyHandling(s: ReadinessStats): ReadinessCheck {
  const id = 'uncertainty_handling';
  if (s.answers === 0) return noAnswers(id, s, 'Send a confidence with every answer and make sure someone can take handoffs.');
  const path = s.handoffStaff > 0 ? `${plural(s.handoffStaff, 'person', 'people')} can take handoffs` : 'nobody on the site can take a handoff';
  const ece = s.ece;
  const evidence =
    (ece === null || s.ratedWithConfidence < MIN_RATED_FOR_ECE
      ? `only ${plural(s.ratedWithConfidence, 'rated answer')} with a confidence (calibration needs ${MIN_RATED_FOR_ECE})`
      : `calibration error (ECE) ${ece.toFixed(3)} over ${plural(s.ratedWithConfidence, 'rated answer')}`) +
    `; ${plural(s.lowConfidenceAnswers, 'low-confidence answer')} offered a person, ${plural(s.escalations, 'escalation')}; ${path}.`;
  const cap = evidence.charAt(0).toUpperCase() + evidence.slice(1);
  if (s.handoffStaff === 0) return check(id, 'fail', cap, 'Add an agent to the site (backstop staff create --role agent --site …) so handoffs reach a person.');
  if (ece !== null && s.ratedWithConfidence >= MIN_RATED_FOR_ECE && ece >= 0.15)
    return check(id, 'fail', cap, "The agent's confidence does not match outcomes: recalibrate it, or switch badges to calibrated thresholds.");
  if (ece === null || s.ratedWithConfidence < MIN_RATED_FOR_ECE || ece >= 0.08)
    return check(
      id,
      'warn',
      cap,
      ece === null || s.ratedWithConfidence < MIN_RATED_FOR_ECE
        ? 'Collect more ratings (the widget asks under every answer) before relying on the confidence.'
        : 'Confidence is loosely calibrated: consider calibrated badge thresholds and check the reliability diagram.',
    );
  return check(id, 'pass', cap, 'Keep watching the reliability diagram in Review after model or prompt changes.');
}

function failureCostMapping(s: ReadinessStats): ReadinessCheck {
  const id = 'failure_cost_mapping';
  if (s.answers === 0 && s.topics.length === 0) return noAnswers(id, s, 'Define topics with a failure cost (Settings → Topics, or backstop topic set).');
  const unset = s.topics.filter((t) => t.failureCost === null);
  const unproven = s.topics.filter((t) => t.failureCost === 'high' && t.autonomy === 'auto' && !hasRecord(t, s));
  const noTopic = ratio(s.answersWithoutTopic, s.answers);
  const parts = [
    unset.length ? `${plural(unset.length, 'topic has', 'topics have')} no failure cost set (${unset.slice(0, 5).map((t) => t.name).join(', ')}${unset.length > 5 ? ', …' : ''})` : null,
    unproven.length ? `${plural(unproven.length, 'high-cost topic runs', 'high-cost topics run')} automatically without a track record (${unproven.slice(0, 5).map((t) => t.name).join(', ')})` : null,
    s.topics.length === 0 ? 'no topics defined or seen in answers' : null,
    s.answers ? `${pct(noTopic)} of answers carry no topic` : null,
  ].filter(Boolean);
  const evidence = (parts.length ? parts.join('; ') : 'every topic has a failure cost') + '.';
  const cap = evidence.charAt(0).toUpperCase() + evidence.slice(1);
  if (unproven.length) return check(id, 'fail', cap, 'Move high-cost topics to human_review or suggest_handoff until their track record earns auto.');
  if (unset.length || s.topics.length === 0 || noTopic >= 0.2)
    return check(id, 'warn', cap, 'Give every topic a failure cost (low or high) and send a topic with every answer (AgentAnswer.topic).');
  return check(id, 'pass', cap, 'Revisit failure costs when you add a task to the agent.');
}

/** Whether a topic has earned `auto`: enough rated answers and a helpful lower bound at the step-up bar. */
function hasRecord(t: ReadinessStats['topics'][number], s: ReadinessStats): boolean {
  if (t.rated < s.stepUpMinDecisions) return false;
  return (wilsonInterval(t.helpful, t.rated)?.low ?? 0) >= s.stepUpLowerBound;
}

function observability(s: ReadinessStats): ReadinessCheck {
  const id = 'observability';
  if (s.answers === 0) return noAnswers(id, s, 'Report a trace for every answer (OTLP /v1/traces or trace.record) and send its traceId with the answer.');
  const missing = ratio(s.answers - s.tracedAnswers, s.answers);
  const evidence = `${pct(missing)} of answers have no trace (${s.answers - s.tracedAnswers} of ${s.answers}).`;
  if (missing >= 0.2) return check(id, 'fail', evidence, 'Send the traceId with every AgentAnswer and export spans from the agent backend for every call.');
  if (missing >= 0.05) return check(id, 'warn', evidence, 'Find the answers without a trace (a code path not instrumented, or a dropped exporter) and instrument them.');
  return check(id, 'pass', evidence, 'Keep tracing every answer; alerts in Review watch the rates.');
}

function securityPosture(s: ReadinessStats): ReadinessCheck {
  const id = 'security_posture';
  const adversarial = ratio(s.adversarialCases, s.answers);
  const facts = [
    s.allowedOrigins ? `${plural(s.allowedOrigins, 'allowed origin')}` : 'the origin allowlist is empty',
    `redaction ${s.redactPii ? 'on' : 'off'}`,
    `identity ${s.identityMode}${s.identitySecrets ? ' (signed)' : ' (no identity secret)'}`,
    s.activeIngestKeys ? `${plural(s.activeIngestKeys, 'ingest key')}, oldest ${s.oldestIngestKeyDays ?? 0} days` : 'no active ingest key',
    s.answers ? `${plural(s.adversarialCases, 'adversarial input case')} (${pct(adversarial)} of answers)` : `no answers in the last ${s.windowDays} days`,
  ];
  if (s.allowServerSenders) facts.push('requests without an Origin accepted');
  const evidence = facts.join('; ') + '.';
  const cap = evidence.charAt(0).toUpperCase() + evidence.slice(1);
  if (s.allowedOrigins === 0) return check(id, 'fail', cap, 'Allow only your product’s origins (backstop site add-origin) so no other website can embed the widget.');
  if (s.identityMode === 'required' && s.identitySecrets === 0) return check(id, 'fail', cap, 'Identity is required but no identity secret exists: create one so signed identities can be verified.');
  if (s.answers > 0 && adversarial >= 0.01) return check(id, 'fail', cap, 'Adversarial input is frequent: review those cases, validate tool outputs and scope tool permissions to the task.');
  const stale = s.oldestIngestKeyDays !== null && s.oldestIngestKeyDays > KEY_ROTATION_DAYS;
  if (!s.redactPii || s.allowServerSenders || stale || s.adversarialCases > 0 || s.answers === 0)
    return check(
      id,
      'warn',
      cap,
      [
        !s.redactPii ? 'turn redaction on (backstop site set --redact on)' : null,
        s.allowServerSenders ? 'accept only browser origins unless a server really sends' : null,
        stale ? `rotate ingest keys older than ${KEY_ROTATION_DAYS} days (backstop key create, then revoke the old one)` : null,
        s.adversarialCases > 0 ? 'review the adversarial input cases and test the agent against prompt injection' : null,
        s.answers === 0 ? 'test the agent against adversarial inputs before going live' : null,
      ]
        .filter(Boolean)
        .join('; ')
        .replace(/^./, (c) => c.toUpperCase()) + '.',
    );
  return check(id, 'pass', cap, 'Keep testing against adversarial inputs and scope tool permissions to each task.');
}

const EVALUATORS: Record<ReadinessCheckId, (s: ReadinessStats) => ReadinessCheck> = {
  context_management: contextManagement,
  tool_call_resilience: toolCallResilience,
  instruction_clarity: instructionClarity,
  uncertainty_handling: uncertaintyHandling,
  failure_cost_mapping: failureCostMapping,
  observability,
  security_posture: securityPosture,
};

/** The seven checks in the checklist's order, from gathered stats (thresholds in this module's header). */
export function evaluateReadiness(stats: ReadinessStats): ReadinessCheck[] {
  return READINESS_CHECK_IDS.map((id) => EVALUATORS[id](stats));
}
