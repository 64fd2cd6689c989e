/**
 * Human corrections of drafts in the eval export. An edited or rejected draft is a person saying what
 * the answer should have been: on the answer's own case record it is `correction`; a corrected draft
 * that nobody rated or escalated (the usual case: the user never saw the agent's text) becomes a record
 * of its own with `source: 'draft'` and the draft's id as `caseId`. The drafts table is the source of truth.
 */
import { sql } from 'drizzle-orm';
import type { EvalCase } from '../../shared/review';
import type { Db } from '../db/client';
import type { CaseExportFilter } from './case-export';
import { isoSql, rowsOf } from './review-queries';

/** The drafts table's decision columns as the export selects them. */
export interface CorrectionColumns {
  correction_status: 'edited' | 'rejected' | null;
  correction_text: string | null;
  correction_by: string | null;
  correction_at: string | null;
}

/** A draft's correction as exported; null when the answer was not corrected. */
export function correctionOf(r: CorrectionColumns): EvalCase['correction'] {
  return r.correction_status && r.correction_at ? { status: r.correction_status, text: r.correction_text ?? '', by: r.correction_by, at: r.correction_at } : null;
}

/** Filters that only review cases have (ratings, modes, labels…): with any of them, draft records cannot match. */
const CASE_ONLY: (keyof CaseExportFilter)[] = ['mode', 'rating', 'confidenceBand', 'release', 'model', 'escalated', 'labelSource'];

type DraftRow = CorrectionColumns & {
  id: string;
  decided_us: string;
  occurred_at: string;
  input: string | null;
  answer: string;
  confidence: number | null;
  topic: string | null;
  trace_id: string | null;
};

/** Pages of corrected drafts of a site without a review case, newest decision first; the same topic and time filters as the cases. */
export async function* exportDraftCorrections(db: Db, siteId: string, filter: CaseExportFilter, pageSize: number): AsyncGenerator<EvalCase[]> {
  if (CASE_ONLY.some((k) => filter[k] !== undefined)) return;
  let cursor: { us: string; id: string } | null = null;
  for (;;) {
    const rows: DraftRow[] = rowsOf<DraftRow>(
      await db.execute(sql`
        select d.id, (extract(epoch from d.decided_at) * 1000000)::bigint::text as decided_us, ${isoSql(sql`a.sent_at`)} as occurred_at,
          q.text as input, a.text as answer, d.confidence, d.topic, d.trace_id,
          d.status as correction_status, d.final_text as correction_text, s.email as correction_by, ${isoSql(sql`d.decided_at`)} as correction_at
        from drafts d
        join messages a on a.id = d.message_id
        left join staff s on s.id = d.decided_by
        left join lateral (
          select u.text from messages u
          where u.conversation_id = d.conversation_id and u.role = 'user' and u.sent_at <= a.sent_at
          order by u.sent_at desc, u.created_at desc limit 1
        ) q on true
        where d.site_id = ${siteId} and d.status in ('edited', 'rejected')
          and not exists (select 1 from cases c where c.message_id = d.message_id)
          ${filter.topic !== undefined ? sql`and d.topic = ${filter.topic}` : sql``}
          ${filter.since ? sql`and d.decided_at >= ${filter.since.toISOString()}` : sql``}
          ${filter.until ? sql`and d.decided_at < ${filter.until.toISOString()}` : sql``}
          ${cursor ? sql`and (d.decided_at, d.id) < (timestamptz 'epoch' + ${cursor.us}::bigint * interval '1 microsecond', ${cursor.id}::uuid)` : sql``}
        order by d.decided_at desc, d.id desc limit ${pageSize}`),
    );
    if (rows.length === 0) return;
    yield rows.map(
      (r): EvalCase => ({
        caseId: r.id,
        siteId,
        occurredAt: r.occurred_at,
        source: 'draft',
        input: r.input,
        history: [],
        answer: r.answer,
        confidence: r.confidence === null ? null : Number(r.confidence),
        topic: r.topic,
        rating: null,
        reasons: [],
        comment: null,
        failureModes: [],
        autoMode: null,
        humanLabel: null,
        humanNote: null,
        humanCorrection: null,
        outcome: null,
        trace: null,
        correction: correctionOf(r),
      }),
    );
    const last = rows[rows.length - 1]!;
    cursor = { us: last.decided_us, id: last.id };
    if (rows.length < pageSize) return;
  }
}
