/**
 * Gathers what the readiness checks read for one site: answers joined to their traces, review cases,
 * calibration, topics and their record, and the site's security settings. A handful of aggregate queries
 * over the window; `readiness()` evaluates them (readiness.ts).
 */
import { sql } from 'drizzle-orm';
import { trustSettingsOf, type ReadinessReport } from '../../shared/trust';
import type { Db } from '../db/client';
import { calibration, rowsOf } from './review-queries';
import { thresholdsInForce } from './calibrated-thresholds-store';
import type { SitePolicy } from '../../shared/schemas';
import { evaluateReadiness, READINESS_WINDOW_DAYS, type ReadinessStats } from './readiness';
import { listTopics } from './topics';
import { FieldError } from './errors';

const DAY_MS = 86_400_000;
/** Topics read per site (by volume): more would not fit a readable check anyway. */
const MAX_TOPICS = 500;

/** The stats of the last READINESS_WINDOW_DAYS before `now` (the track record's window for topics' records). */
export async function gatherReadinessStats(db: Db, siteId: string, now = new Date()): Promise<ReadinessStats> {
  const [site] = rowsOf<{ allowed_origins: string[]; redact_pii: boolean; allow_server_senders: boolean; identity_mode: 'optional' | 'required'; trust: unknown; policy: SitePolicy }>(
    await db.execute(sql`select allowed_origins, redact_pii, allow_server_senders, identity_mode, trust, policy from sites where id = ${siteId}`),
  );
  if (!site) throw new FieldError('NOT_FOUND', `No site with id '${siteId}'.`);
  const trust = trustSettingsOf(site.trust);
  const since = new Date(now.getTime() - READINESS_WINDOW_DAYS * DAY_MS);
  const recordSince = new Date(now.getTime() - trust.recordWindowDays * DAY_MS);
  // Low as the widget applies it (calibrated when the site uses calibrated badges).
  const { thresholds } = await thresholdsInForce(db, { id: siteId, policy: site.policy, trust: site.trust });

  const [answers] = rowsOf<Record<string, number | null>>(
    await db.execute(sql`
      select count(*)::int as answers,
        count(t.trace_id)::int as traced,
        count(*) filter (where jsonb_typeof(t.summary->'context') = 'object')::int as with_context,
        count(*) filter (where (t.summary->'context'->>'ratio')::float8 >= 0.8)::int as near_limit,
        count(*) filter (where jsonb_array_length(coalesce(t.summary->'tools', '[]'::jsonb)) > 0)::int as with_tools,
        count(*) filter (where f.failed)::int as tool_failed,
        count(*) filter (where f.failed and not exists (
          select 1 from escalations e where e.conversation_id = m.conversation_id and e.created_at >= m.sent_at))::int as tool_failed_not_escalated,
        count(t.summary->>'systemPromptTokens')::int as with_system_prompt,
        percentile_cont(0.5) within group (order by (t.summary->>'systemPromptTokens')::float8) as system_prompt_median,
        count(*) filter (where m.confidence is not null and m.confidence < ${thresholds.low})::int as low_confidence,
        count(*) filter (where m.topic is null)::int as without_topic
      from messages m
      left join traces t on t.site_id = m.site_id and t.trace_id = m.trace_id
      cross join lateral (
        select exists (select 1 from jsonb_array_elements(coalesce(t.summary->'tools', '[]'::jsonb)) x where x->>'status' = 'error') as failed
      ) f
      where m.site_id = ${siteId} and m.role = 'agent' and m.sent_at >= ${since} and m.sent_at < ${now}`),
  );
  const [caseCounts] = rowsOf<Record<string, number>>(
    await db.execute(sql`
      select count(*) filter (where negative and mode = 'context_drift')::int as context_drift,
        count(*) filter (where negative and mode = 'instruction_drift')::int as instruction_drift,
        count(*) filter (where negative and mode = 'adversarial_input')::int as adversarial,
        count(*) filter (where source = 'escalation')::int as escalations
      from cases where site_id = ${siteId} and occurred_at >= ${since} and occurred_at < ${now} and not superseded`),
  );
  const calib = await calibration(db, siteId, { from: since.toISOString(), to: now.toISOString() });
  const seen = rowsOf<{ topic: string; rated: number; helpful: number }>(
    await db.execute(sql`
      select topic, count(*) filter (where source = 'feedback' and rating is not null)::int as rated, count(*) filter (where rating = 1)::int as helpful
      from cases where site_id = ${siteId} and topic is not null and occurred_at >= ${recordSince} and occurred_at < ${now} and not superseded
      group by topic order by count(*) desc limit ${MAX_TOPICS}`),
  );
  const answeredTopics = rowsOf<{ topic: string }>(
    await db.execute(sql`
      select topic from messages where site_id = ${siteId} and role = 'agent' and topic is not null and sent_at >= ${since} and sent_at < ${now}
      group by topic order by count(*) desc limit ${MAX_TOPICS}`),
  );
  const defined = await listTopics(db, siteId);
  const record = new Map(seen.map((r) => [r.topic, { rated: Number(r.rated), helpful: Number(r.helpful) }]));
  const names = new Set([...defined.map((t) => t.name), ...answeredTopics.map((r) => r.topic), ...seen.map((r) => r.topic)]);
  const definedByName = new Map(defined.map((t) => [t.name, t]));
  const topics = [...names].map((name) => {
    const policy = definedByName.get(name);
    return {
      name,
      defined: Boolean(policy),
      failureCost: policy?.failureCost ?? null,
      autonomy: policy?.autonomy ?? trust.defaultAutonomy,
      rated: record.get(name)?.rated ?? 0,
      helpful: record.get(name)?.helpful ?? 0,
    };
  });

  const [security] = rowsOf<{ handoff_staff: number; identity_secrets: number; active_keys: number; oldest_key: number | null }>(
    await db.execute(sql`
      select
        (select count(*)::int from staff_sites ss join staff s on s.id = ss.staff_id
          where ss.site_id = ${siteId} and s.role in ('agent', 'admin') and s.disabled_at is null) as handoff_staff,
        (select count(*)::int from site_identity_secrets where site_id = ${siteId} and (expires_at is null or expires_at > ${now})) as identity_secrets,
        (select count(*)::int from ingest_keys where site_id = ${siteId} and revoked_at is null) as active_keys,
        (select extract(epoch from min(created_at))::float8 from ingest_keys where site_id = ${siteId} and revoked_at is null) as oldest_key`),
  );
  const n = (v: unknown) => Number(v ?? 0);
  return {
    windowDays: READINESS_WINDOW_DAYS,
    answers: n(answers?.answers),
    tracedAnswers: n(answers?.traced),
    withContext: n(answers?.with_context),
    contextNearLimit: n(answers?.near_limit),
    withTools: n(answers?.with_tools),
    toolFailed: n(answers?.tool_failed),
    toolFailedNotEscalated: n(answers?.tool_failed_not_escalated),
    withSystemPrompt: n(answers?.with_system_prompt),
    systemPromptMedian: answers?.system_prompt_median == null ? null : Number(answers.system_prompt_median),
    contextDriftCases: n(caseCounts?.context_drift),
    instructionDriftCases: n(caseCounts?.instruction_drift),
    adversarialCases: n(caseCounts?.adversarial),
    escalations: n(caseCounts?.escalations),
    ratedWithConfidence: calib.n,
    ece: calib.ece,
    lowConfidenceAnswers: n(answers?.low_confidence),
    handoffStaff: n(security?.handoff_staff),
    topics,
    answersWithoutTopic: n(answers?.without_topic),
    stepUpMinDecisions: trust.stepUpMinDecisions,
    stepUpLowerBound: trust.stepUpLowerBound,
    allowedOrigins: site.allowed_origins.length,
    redactPii: site.redact_pii,
    allowServerSenders: site.allow_server_senders,
    identityMode: site.identity_mode,
    identitySecrets: n(security?.identity_secrets),
    activeIngestKeys: n(security?.active_keys),
    oldestIngestKeyDays: security?.oldest_key != null ? Math.max(0, Math.floor((now.getTime() - Number(security.oldest_key) * 1000) / DAY_MS)) : null,
  };
}

/** The site's readiness report: the seven checks in the checklist's order. */
export async function readiness(db: Db, siteId: string, now = new Date()): Promise<ReadinessReport> {
  const stats = await gatherReadinessStats(db, siteId, now);
  return { siteId, windowDays: stats.windowDays, generatedAt: now.toISOString(), checks: evaluateReadiness(stats) };
}
