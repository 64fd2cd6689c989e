/**
 * Review's case list (keyset pages, newest first), one case with its transcript and trace, and labelling.
 * The filter SQL here is also what the eval export pages with (case-export.ts).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { BadgeThresholds } from '../../shared/confidence';
import type { CaseDetail, CaseFilter, CaseList, CaseListItem, SpanView, TranscriptEntry } from '../../shared/review';
import type { EscalationOutcome } from '../../shared/handoff';
import type { CaseModeVerdict, FailureMode, SpanEvent, TraceSummary } from '../../shared/traces';
import type { Db } from '../db/client';
import { thresholdsInForce } from './calibrated-thresholds-store';
import { FieldError } from './errors';
import { isoSql, resolveRange, rowsOf, siteThresholds } from './review-queries';
import { defaultDisplayName } from './sessions';

/** Where a page ends: the last row's time (microseconds since the epoch, exact) and id. */
export interface CaseCursor {
  us: string;
  id: string;
}

/** Opaque to clients: base64url of `[microseconds, id]`. */
export function encodeCursor(c: CaseCursor): string {
  return Buffer.from(JSON.stringify([c.us, c.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CaseCursor {
  const bad = () => new FieldError('BAD_REQUEST', 'This cursor was not made by the case list; start again without it.', { cursor: 'is not a case-list cursor' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [us, id] = parsed as unknown[];
  if (typeof us !== 'string' || !/^-?\d{1,19}$/.test(us) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw bad();
  return { us, id };
}

/**
 * The `where` conditions of a case filter on alias `c` (site, range, and each filter given). Ratings the user
 * changed later (superseded) are never listed or exported: they are a changed mind, not a failure, and not a
 * label; their case still opens from a link (caseDetail).
 */
export function caseFilterSql(siteId: string, filter: Partial<Omit<CaseFilter, 'siteId'>>, thresholds: BadgeThresholds, range: { from?: Date; to?: Date }): SQL {
  const conditions: SQL[] = [sql`c.site_id = ${siteId}`, sql`not c.superseded`];
  if (range.from) conditions.push(sql`c.occurred_at >= ${range.from}`);
  if (range.to) conditions.push(sql`c.occurred_at < ${range.to}`);
  if (filter.mode) conditions.push(sql`c.mode = ${filter.mode}`);
  if (filter.topic !== undefined) conditions.push(sql`c.topic = ${filter.topic}`);
  if (filter.release !== undefined) conditions.push(sql`c.release = ${filter.release}`);
  if (filter.model !== undefined) conditions.push(sql`c.model = ${filter.model}`);
  if (filter.escalated !== undefined) conditions.push(sql`c.escalated = ${filter.escalated}`);
  if (filter.rating === 'helpful') conditions.push(sql`c.rating = 1`);
  if (filter.rating === 'not_helpful') conditions.push(sql`c.rating = -1`);
  if (filter.rating === 'negative') conditions.push(sql`c.negative`);
  // Compared as numeric: a stored float4 0.8 is 0.80000001 as a double, 0.9 is 0.89999998.
  const conf = sql`c.confidence::numeric`;
  if (filter.confidenceBand === 'high') conditions.push(sql`${conf} >= ${thresholds.high}`);
  if (filter.confidenceBand === 'medium') conditions.push(sql`${conf} >= ${thresholds.low} and ${conf} < ${thresholds.high}`);
  if (filter.confidenceBand === 'low') conditions.push(sql`${conf} < ${thresholds.low}`);
  if (filter.confidenceBand === 'none') conditions.push(sql`c.confidence is null`);
  if (filter.labelSource === 'human') conditions.push(sql`c.human_mode is not null`);
  if (filter.labelSource === 'auto') conditions.push(sql`c.human_mode is null and c.auto_mode is not null`);
  if (filter.labelSource === 'none') conditions.push(sql`c.human_mode is null and c.auto_mode is null`);
  return sql.join(conditions, sql` and `);
}

/**
 * Newest first, spelled exactly as the indexes are (drizzle's `.desc()` makes `DESC NULLS LAST`): a plain
 * `desc` means NULLS FIRST, which the planner cannot serve from those indexes, and it then sorts the range.
 */
export const NEWEST_FIRST = sql`c.occurred_at desc nulls last, c.id desc nulls last`;

/** The keyset condition: strictly after the cursor in (occurred_at desc, id desc) order. */
export function afterCursorSql(cursor: CaseCursor | null): SQL {
  if (!cursor) return sql`true`;
  return sql`(c.occurred_at, c.id) < (timestamptz 'epoch' + ${cursor.us}::bigint * interval '1 microsecond', ${cursor.id}::uuid)`;
}

/** Columns of a CaseListItem from `cases c`, plus the cursor of the row and the user question it answered. */
export const caseItemColumns = sql`
  c.id, c.source, ${isoSql(sql`c.occurred_at`)} as occurred_at, c.conversation_id, c.rating, c.reasons, c.confidence,
  c.topic, c.release, c.model, c.escalated, c.outcome, c.negative, c.mode, c.auto_mode, c.human_mode, c.rationale,
  c.trace_id, (extract(epoch from c.occurred_at) * 1000000)::bigint::text as cursor_us,
  (select left(u.text, 200) from messages u
    where u.conversation_id = c.conversation_id and u.role = 'user'
      and u.sent_at <= coalesce((select a.sent_at from messages a where a.id = c.message_id), c.occurred_at)
    order by u.sent_at desc limit 1) as input_preview`;

export type CaseItemRow = {
  id: string;
  source: 'feedback' | 'escalation';
  occurred_at: string;
  conversation_id: string;
  rating: number | null;
  reasons: string[] | string;
  confidence: number | null;
  topic: string | null;
  release: string | null;
  model: string | null;
  escalated: boolean;
  outcome: string | null;
  negative: boolean;
  mode: FailureMode | null;
  auto_mode: FailureMode | null;
  human_mode: FailureMode | null;
  rationale: string | null;
  trace_id: string | null;
  cursor_us: string;
  input_preview: string | null;
};

/** jsonb comes back parsed from node-postgres and PGlite alike, but be lenient with text. */
export const jsonValue = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export function toCaseItem(r: CaseItemRow): CaseListItem {
  return {
    id: r.id,
    source: r.source,
    occurredAt: r.occurred_at,
    conversationId: r.conversation_id,
    rating: r.rating === null ? null : (Number(r.rating) as 1 | -1),
    reasons: jsonValue<string[]>(r.reasons) ?? [],
    confidence: r.confidence === null ? null : Number(r.confidence),
    topic: r.topic,
    release: r.release,
    model: r.model,
    escalated: r.escalated,
    outcome: r.outcome as EscalationOutcome | null,
    negative: r.negative,
    mode: r.mode,
    autoMode: r.auto_mode,
    humanMode: r.human_mode,
    rationale: r.rationale,
    traceId: r.trace_id,
    inputPreview: r.input_preview,
  };
}

/** One page of cases, newest first, and the cursor of the next page (null on the last one). */
export async function listCases(db: Db, siteId: string, input: Omit<CaseFilter, 'siteId'> & { cursor?: string; limit?: number }): Promise<CaseList> {
  const range = resolveRange(input);
  const limit = input.limit ?? 50;
  const cursor = input.cursor ? decodeCursor(input.cursor) : null;
  const thresholds = await siteThresholds(db, siteId);
  const rows = rowsOf<CaseItemRow>(
    await db.execute(sql`
      select ${caseItemColumns} from cases c
      where ${caseFilterSql(siteId, input, thresholds, range)} and ${afterCursorSql(cursor)}
      order by ${NEWEST_FIRST} limit ${limit + 1}`),
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toCaseItem), nextCursor: rows.length > limit && last ? encodeCursor({ us: last.cursor_us, id: last.id }) : null };
}

/** The site of a case, or null (for access checks before anything else is read). */
export async function caseSiteId(db: Db, caseId: string): Promise<string | null> {
  const [row] = rowsOf<{ site_id: string }>(await db.execute(sql`select site_id from cases where id = ${caseId}`));
  return row?.site_id ?? null;
}

async function caseItem(db: Db, caseId: string): Promise<CaseListItem> {
  const [row] = rowsOf<CaseItemRow>(await db.execute(sql`select ${caseItemColumns} from cases c where c.id = ${caseId}`));
  if (!row) throw new FieldError('NOT_FOUND', `No case with id '${caseId}'.`);
  return toCaseItem(row);
}

/**
 * Sets the reviewer's label (the mode Review then counts) and note; the automatic label stays. Labelling
 * again replaces the previous human label and note (a blank note clears it). A null mode takes the human
 * label away (note, labeller and time with it): the case is as the classifier left it, automatic label counted.
 */
export async function labelCase(db: Db, caseId: string, label: { mode: FailureMode | null; note?: string; staffId: string }): Promise<CaseListItem> {
  if (label.mode === null) {
    await db.execute(sql`update cases set human_mode = null, human_note = null, labelled_by = null, labelled_at = null where id = ${caseId}`);
    return caseItem(db, caseId);
  }
  const note = label.note?.trim() || null;
  await db.execute(sql`
    update cases set human_mode = ${label.mode}, human_note = ${note}, labelled_by = ${label.staffId}, labelled_at = now()
    where id = ${caseId}`);
  return caseItem(db, caseId);
}

type DetailRow = CaseItemRow & {
  site_id: string;
  message_id: string | null;
  source_id: string;
  comment: string | null;
  auto_modes: CaseModeVerdict[] | string | null;
  auto_confidence: number | null;
  evidence_span_id: string | null;
  human_note: string | null;
  labelled_by: string | null;
  labeller_email: string | null;
  labeller_display_name: string | null;
  labelled_at: string | null;
  superseded: boolean;
  superseded_by: string | null;
  site_policy: { thresholds?: BadgeThresholds } | string | null;
  site_trust: unknown;
};

/** A case with its conversation's transcript (the answer flagged), its escalation, and its trace with spans. */
export async function caseDetail(db: Db, caseId: string): Promise<CaseDetail> {
  const [row] = rowsOf<DetailRow>(
    await db.execute(sql`
      select ${caseItemColumns}, c.site_id, c.message_id, c.source_id, c.comment, c.auto_modes, c.auto_confidence,
        c.evidence_span_id, c.human_note, c.labelled_by, ${isoSql(sql`c.labelled_at`)} as labelled_at, c.superseded,
        -- The answer's current rating, the one Review counts instead (found through the conversation index).
        case when c.superseded then (
          select n.id from cases n
          where n.conversation_id = c.conversation_id and n.message_id = c.message_id and n.source = 'feedback' and not n.superseded
          limit 1) end as superseded_by,
        l.email as labeller_email, l.display_name as labeller_display_name, st.policy as site_policy, st.trust as site_trust
      from cases c
      join sites st on st.id = c.site_id
      left join staff l on l.id = c.labelled_by
      where c.id = ${caseId}`),
  );
  if (!row) throw new FieldError('NOT_FOUND', `No case with id '${caseId}'.`);
  const [transcript, escalation, trace, badges] = await Promise.all([
    transcriptOf(db, row.conversation_id, row.message_id),
    escalationOf(db, row),
    row.trace_id ? traceOf(db, row.site_id, row.trace_id) : Promise.resolve(null),
    thresholdsInForce(db, { id: row.site_id, policy: jsonValue<{ thresholds?: BadgeThresholds } | null>(row.site_policy) ?? {}, trust: jsonValue<unknown>(row.site_trust) }),
  ]);
  return {
    case: {
      ...toCaseItem(row),
      comment: row.comment,
      autoModes: jsonValue<CaseModeVerdict[] | null>(row.auto_modes) ?? [],
      autoConfidence: row.auto_confidence === null ? null : Number(row.auto_confidence),
      evidenceSpanId: row.evidence_span_id,
      humanNote: row.human_note,
      labelledBy: row.labelled_by,
      labelledByName: row.labeller_email ? (row.labeller_display_name ?? defaultDisplayName(row.labeller_email)) : null,
      labelledAt: row.labelled_at,
      siteId: row.site_id,
      superseded: row.superseded,
      supersededBy: row.superseded_by,
    },
    transcript,
    // Spread into a plain object: the topic map has no prototype, which the wire does not need to know.
    thresholds: { ...badges.thresholds, byTopic: { ...badges.topicThresholds } },
    escalation,
    trace,
  };
}

async function transcriptOf(db: Db, conversationId: string, answerId: string | null): Promise<TranscriptEntry[]> {
  const rows = rowsOf<{ id: string; role: TranscriptEntry['role']; text: string; sent_at: string; confidence: number | null; trace_id: string | null; topic: string | null; email: string | null; display_name: string | null }>(
    await db.execute(sql`
      select m.id, m.role, m.text, ${isoSql(sql`m.sent_at`)} as sent_at, m.confidence, m.trace_id, m.topic, s.email, s.display_name
      from messages m left join staff s on s.id = m.staff_id
      where m.conversation_id = ${conversationId}
      order by m.sent_at, m.created_at, m.id`),
  );
  return rows.map((m) => ({
    id: m.id,
    role: m.role,
    text: m.text,
    sentAt: m.sent_at,
    confidence: m.confidence === null ? null : Number(m.confidence),
    traceId: m.trace_id,
    topic: m.topic,
    isCaseAnswer: m.id === answerId,
    staffName: m.role === 'human' && m.email ? (m.display_name ?? defaultDisplayName(m.email)) : null,
  }));
}

/** An escalation case's own escalation; for a rated answer that was escalated, the conversation's first escalation after the answer. */
async function escalationOf(db: Db, row: DetailRow): Promise<CaseDetail['escalation']> {
  const where =
    row.source === 'escalation'
      ? sql`e.id = ${row.source_id}`
      : row.escalated
        ? sql`e.conversation_id = ${row.conversation_id}
            and e.created_at >= coalesce((select a.sent_at from messages a where a.id = ${row.message_id}::uuid), ${row.occurred_at}::timestamptz)`
        : null;
  if (!where) return null;
  const [e] = rowsOf<{ id: string; status: string; trigger: string; note: string | null; outcome: EscalationOutcome | null; created_at: string }>(
    await db.execute(sql`select e.id, e.status, e.trigger, e.note, e.outcome, ${isoSql(sql`e.created_at`)} as created_at from escalations e where ${where} order by e.created_at limit 1`),
  );
  return e ? { id: e.id, status: e.status, trigger: e.trigger, note: e.note, outcome: e.outcome, createdAt: e.created_at } : null;
}

const STATUS: SpanView['status'][] = ['unset', 'ok', 'error'];

async function traceOf(db: Db, siteId: string, traceId: string): Promise<CaseDetail['trace']> {
  const [t] = rowsOf<{ summary: TraceSummary | string }>(await db.execute(sql`select summary from traces where site_id = ${siteId} and trace_id = ${traceId}`));
  if (!t) return null;
  const spans = rowsOf<{
    span_id: string; parent_span_id: string | null; name: string; offset_ms: number; duration_ms: number; status_code: number; status_message: string | null;
    operation: string | null; model: string | null; tool_name: string | null; error_type: string | null; input_tokens: number | null; output_tokens: number | null;
    attributes: Record<string, unknown> | string; events: SpanEvent[] | string;
  }>(
    await db.execute(sql`
      select s.span_id, s.parent_span_id, s.name,
        (extract(epoch from (s.start_time - t.started_at)) * 1000)::float8 as offset_ms, s.duration_ms, s.status_code, s.status_message,
        s.operation, s.model, s.tool_name, s.error_type, s.input_tokens, s.output_tokens, s.attributes, s.events
      from spans s join traces t on t.site_id = s.site_id and t.trace_id = s.trace_id
      where s.site_id = ${siteId} and s.trace_id = ${traceId}
      order by s.start_time, s.span_id`),
  );
  return {
    traceId,
    summary: jsonValue<TraceSummary>(t.summary),
    spans: spans.map((s) => ({
      spanId: s.span_id,
      parentSpanId: s.parent_span_id,
      name: s.name,
      startOffsetMs: Number(s.offset_ms),
      durationMs: Number(s.duration_ms),
      status: STATUS[Number(s.status_code)] ?? 'unset',
      statusMessage: s.status_message,
      operation: s.operation,
      model: s.model,
      toolName: s.tool_name,
      errorType: s.error_type,
      inputTokens: s.input_tokens === null ? null : Number(s.input_tokens),
      outputTokens: s.output_tokens === null ? null : Number(s.output_tokens),
      attributes: jsonValue<Record<string, unknown>>(s.attributes),
      events: jsonValue<SpanEvent[]>(s.events),
    })),
  };
}
