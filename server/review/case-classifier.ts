/**
 * Classifies queued cases (classified_at IS NULL): loads each one's evidence in a few batched queries,
 * runs the pure rules (domain/classify.ts) and writes the automatic verdict. The human label is never touched.
 *
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so several projectors share the queue without waiting on
 * each other, and the lock is held until the verdict is written: new spans of the trace (which requeue the
 * case through markTracesChanged) wait for it and then requeue the case again, so a verdict made on a trace
 * that changed meanwhile never stays.
 */
import { sql } from 'drizzle-orm';
import type { CaseModeVerdict, TraceSummary } from '../../shared/traces';
import type { Db } from '../db/client';
import { classifyCase, type CaseEvidence } from '../domain/classify';

/** User messages read per case for the input checks; the turn count covers the whole conversation. */
const MAX_INPUTS = 20;

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

interface QueuedCase {
  id: string;
  site_id: string;
  source: 'feedback' | 'escalation';
  source_id: string;
  trace_id: string | null;
  reasons: string[];
  comment: string | null;
  confidence: number | null;
  negative: boolean;
}

interface Context {
  case_id: string;
  answer_sources: number | null;
  turns: number;
  inputs: string[] | null;
}

/** Classifies up to `limit` queued cases in one transaction; returns how many it classified. */
export async function classifyQueued(db: Db, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    const queued = rowsOf<QueuedCase>(
      await tx.execute(sql`
        select id, site_id, source, source_id, trace_id, reasons, comment, confidence, negative
        from cases
        where classified_at is null
        order by created_at
        limit ${limit}
        for update skip locked`),
    );
    if (queued.length === 0) return 0;
    const evidence = await loadEvidence(tx as unknown as Db, queued);
    const verdicts = queued.map((c) => (c.negative ? classifyCase(evidence.get(c.id)!) : null));
    await writeVerdicts(tx as unknown as Db, queued, verdicts);
    return queued.length;
  });
}

async function loadEvidence(tx: Db, queued: readonly QueuedCase[]): Promise<Map<string, CaseEvidence>> {
  const ids = sql`${sql.param(queued.map((c) => c.id))}::uuid[]`;
  const withTrace = queued.filter((c) => c.trace_id);
  const traces = withTrace.length
    ? rowsOf<{ site_id: string; trace_id: string; summary: TraceSummary }>(
        await tx.execute(sql`
          select t.site_id, t.trace_id, t.summary from traces t
          join unnest(${sql.param(withTrace.map((c) => c.site_id))}::uuid[], ${sql.param(withTrace.map((c) => c.trace_id))}::text[]) as k(site_id, trace_id)
            on t.site_id = k.site_id and t.trace_id = k.trace_id`),
      )
    : [];
  const traceOf = new Map(traces.map((t) => [`${t.site_id}/${t.trace_id}`, t.summary]));
  // The conversation up to the answer (by the widget's clock, which orders one conversation's messages);
  // an escalation without an answer reads the conversation up to the escalation.
  const contexts = rowsOf<Context>(
    await tx.execute(sql`
      select c.id as case_id,
             case when a.id is null then null else coalesce(jsonb_array_length(case when jsonb_typeof(a.sources) = 'array' then a.sources end), 0) end as answer_sources,
             (select count(*) from messages u
               where u.conversation_id = c.conversation_id and u.role = 'user'
                 and (case when a.id is null then u.created_at <= c.occurred_at else u.sent_at <= a.sent_at end))::int as turns,
             (select json_agg(r.text order by r.sent_at) from (
                select u.text, u.sent_at from messages u
                 where u.conversation_id = c.conversation_id and u.role = 'user'
                   and (case when a.id is null then u.created_at <= c.occurred_at else u.sent_at <= a.sent_at end)
                 order by u.sent_at desc
                 limit ${MAX_INPUTS}) r) as inputs
      from cases c
      left join messages a on a.id = c.message_id
      where c.id = any(${ids})`),
  );
  const contextOf = new Map(contexts.map((r) => [r.case_id, r]));
  const escalationIds = queued.filter((c) => c.source === 'escalation').map((c) => c.source_id);
  const escalations = escalationIds.length
    ? rowsOf<{ id: string; trigger: string; note: string | null; outcome: string | null }>(
        await tx.execute(sql`select id, trigger, note, outcome from escalations where id = any(${sql.param(escalationIds)}::uuid[])`),
      )
    : [];
  const escalationOf = new Map(escalations.map((x) => [x.id, x]));

  const out = new Map<string, CaseEvidence>();
  for (const c of queued) {
    const ctx = contextOf.get(c.id);
    const x = c.source === 'escalation' ? escalationOf.get(c.source_id) : undefined;
    out.set(c.id, {
      source: c.source,
      reasons: c.reasons ?? [],
      comment: c.comment,
      statedConfidence: c.confidence,
      userInputs: ctx?.inputs ?? [],
      turns: ctx?.turns ?? 0,
      answerSources: ctx?.answer_sources ?? null,
      trace: c.trace_id ? (traceOf.get(`${c.site_id}/${c.trace_id}`) ?? null) : null,
      escalation: x ? { trigger: x.trigger, note: x.note, outcome: x.outcome } : null,
    });
  }
  return out;
}

/** One UPDATE for the whole batch; a case that is no longer negative is marked classified without a mode. */
async function writeVerdicts(tx: Db, queued: readonly QueuedCase[], verdicts: readonly (CaseModeVerdict[] | null)[]): Promise<void> {
  const primary = verdicts.map((v) => v?.[0] ?? null);
  await tx.execute(sql`
    update cases c
    set auto_mode = v.mode,
        auto_modes = v.modes,
        auto_confidence = v.confidence,
        rationale = v.rationale,
        evidence_span_id = v.span_id,
        classified_at = now()
    from unnest(
      ${sql.param(queued.map((c) => c.id))}::uuid[],
      ${sql.param(primary.map((p) => p?.mode ?? null))}::text[],
      ${sql.param(verdicts.map((v) => (v ? JSON.stringify(v) : null)))}::jsonb[],
      ${sql.param(primary.map((p) => p?.confidence ?? null))}::real[],
      ${sql.param(primary.map((p) => p?.rationale ?? null))}::text[],
      ${sql.param(primary.map((p) => p?.spanId ?? null))}::text[]
    ) as v(id, mode, modes, confidence, rationale, span_id)
    where c.id = v.id`);
}
