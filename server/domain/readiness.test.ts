import { describe, expect, it } from 'vitest';
import { READINESS_CHECK_IDS } from '../../shared/trust';
import { evaluateReadiness, type ReadinessStats } from './readiness';

/** A site that passes every check: 1000 answers, all traced, little drift, calibrated, topics mapped. */
const healthy = (): ReadinessStats => ({
  windowDays: 30,
  answers: 1000,
  tracedAnswers: 1000,
  withContext: 1000,
  contextNearLimit: 10,
  withTools: 500,
  toolFailed: 2,
  toolFailedNotEscalated: 0,
  withSystemPrompt: 1000,
  systemPromptMedian: 900,
  contextDriftCases: 1,
  instructionDriftCases: 1,
  adversarialCases: 0,
  escalations: 20,
  ratedWithConfidence: 300,
  ece: 0.04,
  lowConfidenceAnswers: 40,
  handoffStaff: 2,
  topics: [
    { name: 'billing', defined: true, failureCost: 'low', autonomy: 'auto', rated: 100, helpful: 90 },
    { name: 'refunds', defined: true, failureCost: 'high', autonomy: 'human_review', rated: 10, helpful: 5 },
  ],
  answersWithoutTopic: 0,
  stepUpMinDecisions: 200,
  stepUpLowerBound: 0.95,
  allowedOrigins: 1,
  redactPii: true,
  allowServerSenders: false,
  identityMode: 'optional',
  identitySecrets: 0,
  activeIngestKeys: 1,
  oldestIngestKeyDays: 10,
});

const byId = (stats: ReadinessStats) => Object.fromEntries(evaluateReadiness(stats).map((c) => [c.id, c]));

describe('evaluateReadiness', () => {
  it('should give the seven checks in the checklist order, all passing on a healthy site', () => {
    const checks = evaluateReadiness(healthy());
    expect(checks.map((c) => c.id)).toEqual([...READINESS_CHECK_IDS]);
    expect(checks.map((c) => c.status)).toEqual(Array(7).fill('pass'));
    expect(checks.every((c) => c.title && c.evidence && c.advice)).toBe(true);
  });

  it('should never pass without data: every data check warns that there were no answers', () => {
    const checks = evaluateReadiness({ ...healthy(), answers: 0, tracedAnswers: 0, withContext: 0, withTools: 0, toolFailed: 0, topics: [], ratedWithConfidence: 0, ece: null });
    expect(checks.some((c) => c.status === 'pass')).toBe(false);
    for (const c of checks.filter((c) => c.id !== 'security_posture')) expect(c).toMatchObject({ status: 'warn', evidence: 'No answers in the last 30 days.' });
  });

  it('should report tool failures and unescalated answers in numbers', () => {
    // 82 of 2000 = 4.1% failed; 31 of 82 = 37.8% not escalated: above 1% but below 5% and 50%, so a warning.
    const c = byId({ ...healthy(), withTools: 2000, toolFailed: 82, toolFailedNotEscalated: 31 }).tool_call_resilience!;
    expect(c.evidence).toBe('Tool calls failed in 4.1% of traces (82 of 2000) and 38% of those answers were not escalated.');
    expect(c.status).toBe('warn');
  });

  it('should fail tool-call resilience when most failed answers were not escalated', () => {
    expect(byId({ ...healthy(), withTools: 2000, toolFailed: 20, toolFailedNotEscalated: 10 }).tool_call_resilience!.status).toBe('fail');
    // Under 10 failures the share is too noisy to fail on.
    expect(byId({ ...healthy(), withTools: 2000, toolFailed: 4, toolFailedNotEscalated: 4 }).tool_call_resilience!.status).toBe('pass');
  });

  it('should count topics without a failure cost, defined or only seen in answers', () => {
    const stats = healthy();
    stats.topics.push(
      { name: 'returns', defined: true, failureCost: null, autonomy: 'auto', rated: 0, helpful: 0 },
      { name: 'shipping', defined: false, failureCost: null, autonomy: 'auto', rated: 3, helpful: 3 },
      { name: 'warranty', defined: false, failureCost: null, autonomy: 'auto', rated: 0, helpful: 0 },
    );
    const c = byId(stats).failure_cost_mapping!;
    expect(c.status).toBe('warn');
    expect(c.evidence).toContain('3 topics have no failure cost set (returns, shipping, warranty)');
  });

  it('should fail a high-cost topic under auto until its record meets the step-up bar', () => {
    const topic = { name: 'refunds', defined: true, failureCost: 'high' as const, autonomy: 'auto', rated: 199, helpful: 199 };
    expect(byId({ ...healthy(), topics: [topic] }).failure_cost_mapping!.status).toBe('fail');
    // 400 of 400 helpful: Wilson lower bound 400 / (400 + 3.84) = 0.9905 ≥ 0.95.
    expect(byId({ ...healthy(), topics: [{ ...topic, rated: 400, helpful: 400 }] }).failure_cost_mapping!.status).toBe('pass');
    // 200 of 210 (95.2%): lower bound 0.915 < 0.95.
    expect(byId({ ...healthy(), topics: [{ ...topic, rated: 210, helpful: 200 }] }).failure_cost_mapping!.status).toBe('fail');
  });

  it('should grade answers without a trace: 12% warns, 20% fails', () => {
    const c = byId({ ...healthy(), tracedAnswers: 880 }).observability!;
    expect(c).toMatchObject({ status: 'warn', evidence: '12% of answers have no trace (120 of 1000).' });
    expect(byId({ ...healthy(), tracedAnswers: 800 }).observability!.status).toBe('fail');
    expect(byId({ ...healthy(), tracedAnswers: 951 }).observability!.status).toBe('pass');
  });

  it('should fail security posture on an empty origin allowlist and warn with redaction off or an old key', () => {
    expect(byId({ ...healthy(), allowedOrigins: 0 }).security_posture!.status).toBe('fail');
    expect(byId({ ...healthy(), identityMode: 'required', identitySecrets: 0 }).security_posture!.status).toBe('fail');
    expect(byId({ ...healthy(), adversarialCases: 10 }).security_posture!.status).toBe('fail');
    const warned = byId({ ...healthy(), redactPii: false, oldestIngestKeyDays: 120 }).security_posture!;
    expect(warned.status).toBe('warn');
    expect(warned.advice).toContain('Turn redaction on');
    expect(warned.advice).toContain('rotate ingest keys older than 90 days');
  });

  it('should fail uncertainty handling when nobody can take a handoff or confidence is far off', () => {
    expect(byId({ ...healthy(), handoffStaff: 0 }).uncertainty_handling!.status).toBe('fail');
    expect(byId({ ...healthy(), ece: 0.2 }).uncertainty_handling!.status).toBe('fail');
    expect(byId({ ...healthy(), ece: 0.1 }).uncertainty_handling!.status).toBe('warn');
    expect(byId({ ...healthy(), ratedWithConfidence: 49 }).uncertainty_handling!.status).toBe('warn');
  });

  it('should grade context and instruction drift by their share of answers', () => {
    expect(byId({ ...healthy(), contextDriftCases: 20 }).context_management!.status).toBe('fail');
    expect(byId({ ...healthy(), contextDriftCases: 5 }).context_management!.status).toBe('warn');
    expect(byId({ ...healthy(), contextNearLimit: 200 }).context_management!.status).toBe('fail');
    expect(byId({ ...healthy(), withContext: 0, contextNearLimit: 0 }).context_management!.status).toBe('warn');
    expect(byId({ ...healthy(), instructionDriftCases: 20 }).instruction_clarity!.status).toBe('fail');
    expect(byId({ ...healthy(), systemPromptMedian: 2500 }).instruction_clarity!.status).toBe('warn');
    expect(byId({ ...healthy(), systemPromptMedian: null }).instruction_clarity!.status).toBe('warn');
  });
});
