/**
 * The eval dataset: one EvalCase per review case (the user's input, a short history, the answer, its
 * confidence, failure modes, the human label and correction, and the trace in brief), in keyset pages so
 * that exports of any size run in constant memory. The CLI (`export cases`) and the console's download
 * both use it.
 */
import { sql } from 'drizzle-orm';
import type { CaseFilter, EvalCase } from '../../shared/review';
import type { EscalationOutcome } from '../../shared/handoff';
import { FAILURE_MODE_IDS, type CaseModeVerdict, type FailureMode, type TraceSummary } from '../../shared/traces';
import type { Db } from '../db/client';
import { correctionOf, exportDraftCorrections } from './drafts-export';
import { csvField } from './feedback-export';
import { afterCursorSql, caseFilterSql, jsonValue, NEWEST_FIRST, type CaseCursor } from './review-cases';
import { isoSql, rowsOf, siteThresholds } from './review-queries';

/** Turns before the user's input kept as history (the dataset is for replaying one answer, not the whole chat). */
export const HISTORY_TURNS = 6;
/** Cases per query. */
const PAGE_SIZE = 500;

/** Column order of the CSV form (nested fields as JSON), before the flat confidence columns. */
export const EVAL_FIELDS: (keyof EvalCase)[] = [
  'caseId', 'siteId', 'occurredAt', 'source', 'input', 'history', 'answer', 'confidence', 'topic', 'rating', 'reasons', 'comment',
  'failureModes', 'autoMode', 'humanLabel', 'humanNote', 'humanCorrection', 'outcome', 'trace', 'correction',
];
/** CSV's flat form of `failureModes[].confidence`: a column per mode, empty where the mode did not apply. */
const MODE_CONFIDENCE_COLUMNS = FAILURE_MODE_IDS.map((mode) => ({ mode, name: `failureModeConfidence.${mode}` }));
/** The CSV header row. */
export const EVAL_CSV_HEADER = [...EVAL_FIELDS, ...MODE_CONFIDENCE_COLUMNS.map((c) => c.name)].join(',');

/** What to export: a site (all sites when absent), the case-list filters, and a time range. */
export type CaseExportFilter = Partial<Omit<CaseFilter, 'siteId' | 'from' | 'to'>> & { siteId?: string; since?: Date; until?: Date };

type ExportRow = {
  id: string;
  site_id: string;
  occurred_at: string;
  cursor_us: string;
  source: 'feedback' | 'escalation';
  input: string | null;
  history: { role: 'user' | 'agent' | 'human'; text: string }[] | string | null;
  answer: string | null;
  confidence: number | null;
  topic: string | null;
  rating: number | null;
  reasons: string[] | string;
  comment: string | null;
  auto_modes: CaseModeVerdict[] | string | null;
  auto_mode: FailureMode | null;
  auto_confidence: number | null;
  human_mode: FailureMode | null;
  human_note: string | null;
  rationale: string | null;
  correction: string | null;
  outcome: string | null;
  trace_id: string | null;
  summary: TraceSummary | string | null;
  correction_status: 'edited' | 'rejected' | null;
  correction_text: string | null;
  correction_by: string | null;
  correction_at: string | null;
};

/** Pages of EvalCases, newest first; each site in turn when no site is named (so every page uses the site index). */
export async function* exportCases(db: Db, filter: CaseExportFilter, pageSize = PAGE_SIZE): AsyncGenerator<EvalCase[]> {
  const siteIds = filter.siteId ? [filter.siteId] : rowsOf<{ id: string }>(await db.execute(sql`select id from sites order by created_at, id`)).map((r) => r.id);
  for (const siteId of siteIds) {
    yield* exportSite(db, siteId, filter, pageSize);
    // Corrected drafts nobody rated or escalated are cases of their own (see drafts-export.ts).
    yield* exportDraftCorrections(db, siteId, filter, pageSize);
  }
}

async function* exportSite(db: Db, siteId: string, filter: CaseExportFilter, pageSize: number): AsyncGenerator<EvalCase[]> {
  const thresholds = await siteThresholds(db, siteId);
  const where = caseFilterSql(siteId, filter, thresholds, { from: filter.since, to: filter.until });
  let cursor: CaseCursor | null = null;
  for (;;) {
    // The answer's time anchors the conversation: the input is the last user message at or before it,
    // the history the turns before the input. The correction is the first staff message after it and
    // before the agent's next answer: the person answering instead of this answer (a staff message after
    // a later agent answer replies to something else).
    const rows: ExportRow[] = rowsOf<ExportRow>(
      await db.execute(sql`
        select c.id, c.site_id, ${isoSql(sql`c.occurred_at`)} as occurred_at, (extract(epoch from c.occurred_at) * 1000000)::bigint::text as cursor_us,
          c.source, q.text as input, h.history, a.text as answer, c.confidence, c.topic, c.rating, c.reasons, c.comment,
          c.auto_modes, c.auto_mode, c.auto_confidence, c.human_mode, c.human_note, c.rationale, fix.text as correction, c.outcome, c.trace_id, t.summary,
          d.status as correction_status, d.final_text as correction_text, ds.email as correction_by, ${isoSql(sql`d.decided_at`)} as correction_at
        from cases c
        left join messages a on a.id = c.message_id
        left join drafts d on d.message_id = c.message_id and d.status in ('edited', 'rejected')
        left join staff ds on ds.id = d.decided_by
        left join lateral (
          select u.text, u.sent_at from messages u
          where u.conversation_id = c.conversation_id and u.role = 'user' and u.sent_at <= coalesce(a.sent_at, c.occurred_at)
          order by u.sent_at desc, u.created_at desc limit 1
        ) q on true
        left join lateral (
          select json_agg(json_build_object('role', e.role, 'text', e.text) order by e.sent_at, e.created_at) as history from (
            select p.role, p.text, p.sent_at, p.created_at from messages p
            where p.conversation_id = c.conversation_id and p.sent_at < q.sent_at
            order by p.sent_at desc, p.created_at desc limit ${HISTORY_TURNS}
          ) e
        ) h on true
        left join lateral (
          select n.sent_at from messages n
          where n.conversation_id = c.conversation_id and n.role = 'agent' and n.sent_at > coalesce(a.sent_at, c.occurred_at)
          order by n.sent_at limit 1
        ) next_answer on true
        left join lateral (
          select f.text from messages f
          where f.conversation_id = c.conversation_id and f.role = 'human' and f.sent_at > coalesce(a.sent_at, c.occurred_at)
            and (next_answer.sent_at is null or f.sent_at < next_answer.sent_at)
          order by f.sent_at, f.created_at limit 1
        ) fix on true
        left join traces t on t.site_id = c.site_id and t.trace_id = c.trace_id
        where ${where} and ${afterCursorSql(cursor)}
        order by ${NEWEST_FIRST} limit ${pageSize}`),
    );
    if (rows.length === 0) return;
    yield rows.map(toEvalCase);
    const last = rows[rows.length - 1]!;
    cursor = { us: last.cursor_us, id: last.id };
    if (rows.length < pageSize) return;
  }
}

function toEvalCase(r: ExportRow): EvalCase {
  const verdicts = jsonValue<CaseModeVerdict[] | null>(r.auto_modes) ?? [];
  const failureModes =
    verdicts.length > 0
      ? verdicts.map((v) => ({ mode: v.mode, rationale: v.rationale, confidence: v.confidence }))
      : r.auto_mode
        ? [{ mode: r.auto_mode, rationale: r.rationale ?? '', confidence: r.auto_confidence === null ? null : Number(r.auto_confidence) }]
        : [];
  const summary = r.summary ? jsonValue<TraceSummary>(r.summary) : null;
  return {
    caseId: r.id,
    siteId: r.site_id,
    occurredAt: r.occurred_at,
    source: r.source,
    input: r.input,
    history: jsonValue<EvalCase['history'] | null>(r.history) ?? [],
    answer: r.answer,
    confidence: r.confidence === null ? null : Number(r.confidence),
    topic: r.topic,
    rating: r.rating === null ? null : (Number(r.rating) as 1 | -1),
    reasons: jsonValue<string[]>(r.reasons) ?? [],
    comment: r.comment,
    failureModes,
    autoMode: r.auto_mode,
    humanLabel: r.human_mode,
    humanNote: r.human_note,
    humanCorrection: r.correction,
    outcome: r.outcome as EscalationOutcome | null,
    trace:
      summary && r.trace_id
        ? {
            traceId: r.trace_id,
            model: summary.model,
            inputTokens: summary.inputTokens,
            outputTokens: summary.outputTokens,
            tools: summary.tools.map((t) => ({ name: t.name, status: t.status, error: t.error, attempts: t.attempts })),
          }
        : null,
    correction: correctionOf(r),
  };
}

/** One EvalCase as a JSON line or a CSV row (nested fields as JSON text, then each mode's confidence; see EVAL_CSV_HEADER). */
export function formatEvalCase(row: EvalCase, format: 'jsonl' | 'csv'): string {
  if (format === 'jsonl') return JSON.stringify(row);
  const fields = EVAL_FIELDS.map((f) => {
    const value = row[f];
    return csvField(value !== null && typeof value === 'object' ? JSON.stringify(value) : value);
  });
  const confidences = MODE_CONFIDENCE_COLUMNS.map(({ mode }) => csvField(row.failureModes.find((m) => m.mode === mode)?.confidence ?? null));
  return [...fields, ...confidences].join(',');
}
