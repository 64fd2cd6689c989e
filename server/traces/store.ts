/**
 * Stores spans and keeps each touched trace's summary current, in one transaction:
 *
 * 1. take a transaction lock per touched trace, so two exports of one trace cannot both summarise
 *    without seeing each other's spans (the second waits for the first to commit);
 * 2. insert the spans, skipping those already stored (an exporter's retry stores nothing twice); the
 *    same statement returns the spans stored earlier for each trace that got a new one;
 * 3. summarise each such trace from all its spans (domain/trace-summary.ts), upsert the `traces` rows,
 *    and mark the review cases on them for reclassification (domain/case-invalidation.ts).
 *
 * One statement per step, with one array parameter per column (chunked only past 2,000 spans), since
 * ingestion is measured in spans/s.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { markTracesChanged } from '../domain/case-invalidation';
import { summariseTrace, type SummarySpan } from '../domain/trace-summary';
import { siteRedacts } from '../domain/redact-signals';
import { refusalOf, toSpanRow, type SpanRow } from './normalise';
import { noteError, type DecodedRequest } from './incoming';
import type { TraceRecordResult } from '../../shared/trace-record';
import type { TraceSummary } from '../../shared/traces';

/**
 * The database failed (unreachable, closed, or refused a statement): worth an exporter's retry (503).
 * Any other error while storing is a bug of ours and must not look like an outage.
 */
export class StorageError extends Error {
  constructor(cause: unknown) {
    super(`storage failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The database's answer, or its failure as a StorageError. */
async function fromDb<T>(query: PromiseLike<T>): Promise<T> {
  try {
    return await query;
  } catch (err) {
    throw err instanceof StorageError ? err : new StorageError(err);
  }
}

/**
 * Runs `work` in a transaction. A failure to begin, commit or connect is a StorageError; what `work`
 * throws passes as it is (StorageErrors from its statements, anything else a bug).
 */
async function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  let failed: { error: unknown } | null = null;
  try {
    return await db.transaction(async (tx) => {
      try {
        return await work(tx as unknown as Db);
      } catch (error) {
        failed = { error };
        throw error;
      }
    });
  } catch (err) {
    if (failed) throw (failed as { error: unknown }).error;
    throw new StorageError(err);
  }
}

/** Rows per statement: bounds the size of one statement's array parameters and of its answer. */
const INSERT_CHUNK = 2000;

/** Checks, bounds and stores decoded spans for a site; refused spans are counted with their reasons. */
export async function ingestSpans(db: Db, siteId: string, decoded: DecodedRequest): Promise<TraceRecordResult> {
  const errors = [...decoded.errors];
  let rejected = decoded.rejected;
  const rows: SpanRow[] = [];
  // Redaction: the site's setting, read once per export (one indexed lookup next to the span INSERT).
  const redact = decoded.spans.length > 0 && (await fromDb(siteRedacts(db, siteId)));
  for (const span of decoded.spans) {
    const refusal = refusalOf(span);
    if (refusal) {
      rejected++;
      noteError(errors, refusal);
      continue;
    }
    rows.push(toSpanRow(siteId, span, { redact }));
  }
  const traceIds = rows.length ? await storeSpanRows(db, siteId, rows) : [];
  return { accepted: rows.length, rejected, errors, traceIds };
}

/** Stores rows of one site; returns the ids of the traces whose summary was recomputed. */
export async function storeSpanRows(db: Db, siteId: string, rows: readonly SpanRow[]): Promise<string[]> {
  const touched = [...new Set(rows.map((r) => r.traceId))].sort();
  return inTransaction(db, async (tx) => {
    // Sorted keys, taken in order by one statement: concurrent exports of overlapping traces cannot deadlock.
    // A statement of its own, so that the next one's snapshot sees what the lock's previous holder committed.
    await fromDb(tx.execute(sql`
      SELECT pg_advisory_xact_lock(k) FROM (
        SELECT hashtextextended(${siteId} || ':' || t, 0) AS k FROM unnest(${pgArray(touched)}::text[]) AS t ORDER BY 1
      ) AS keys`));

    // Every span of a changed trace: the new ones from memory, the ones stored before from the statement
    // that inserts (keyed by span id, so a span seen twice across chunks counts once).
    const byTrace = new Map<string, Map<string, SummarySpan>>();
    const add = (traceId: string, span: SummarySpan) => {
      let spansOfTrace = byTrace.get(traceId);
      if (!spansOfTrace) byTrace.set(traceId, (spansOfTrace = new Map()));
      spansOfTrace.set(span.spanId, span);
    };
    const pending = new Map(rows.map((r) => [`${r.traceId}:${r.spanId}`, r]));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const result = await fromDb(tx.execute(insertSpansStatement(siteId, rows.slice(i, i + INSERT_CHUNK))));
      for (const r of rowsOf<StoredSpanRow>(result)) {
        if (r.fresh) {
          const row = pending.get(`${r.trace_id}:${r.span_id}`)!;
          add(r.trace_id, row as SummarySpan);
        } else add(r.trace_id, summarySpanOf(r));
      }
    }
    if (byTrace.size === 0) return [];

    const summaries = [...byTrace].map(([traceId, spansOfTrace]) => {
      const all = [...spansOfTrace.values()];
      const summary = summariseTrace(all);
      const startedAt = earliestStart(all);
      return { siteId, traceId, startedAt, summary, model: summary.model, release: summary.release, topic: summary.topic };
    });
    for (let i = 0; i < summaries.length; i += INSERT_CHUNK) await fromDb(tx.execute(upsertTracesStatement(summaries.slice(i, i + INSERT_CHUNK))));
    const traceIds = [...byTrace.keys()];
    for (let i = 0; i < traceIds.length; i += INSERT_CHUNK) await fromDb(markTracesChanged(tx, siteId, traceIds.slice(i, i + INSERT_CHUNK)));
    return traceIds;
  });
}

/** The earliest start of spans. A loop, not Math.min(...spread): a spread of some 125k spans passes the engine's argument limit. */
export function earliestStart(spans: readonly { startTime: Date }[]): Date {
  let earliest = Infinity;
  for (const s of spans) earliest = Math.min(earliest, s.startTime.getTime());
  return new Date(earliest);
}

/** A row of the insert statement's answer: a span it inserted (ids only), or one stored before (all fields). */
interface StoredSpanRow {
  fresh: boolean;
  trace_id: string;
  span_id: string;
  name: string;
  start_time: Date | string;
  duration_ms: number;
  status_code: number;
  status_message: string | null;
  operation: string | null;
  model: string | null;
  tool_name: string | null;
  error_type: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  attributes: Record<string, unknown> | string;
  events: SummarySpan['events'] | string;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function summarySpanOf(r: StoredSpanRow): SummarySpan {
  return {
    spanId: r.span_id,
    name: r.name,
    startTime: r.start_time instanceof Date ? r.start_time : new Date(r.start_time),
    durationMs: Number(r.duration_ms),
    statusCode: Number(r.status_code),
    statusMessage: r.status_message,
    operation: r.operation,
    model: r.model,
    toolName: r.tool_name,
    errorType: r.error_type,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    attributes: json(r.attributes),
    events: json(r.events),
  };
}

/**
 * One INSERT of many spans with one array parameter per column (unnest), rather than a parameter per
 * value: PostgreSQL parses and plans it in a fraction of the time a 1,800-parameter VALUES list takes.
 */
function insertSpansStatement(siteId: string, rows: readonly SpanRow[]) {
  const col = <T>(pick: (r: SpanRow) => T) => pgArray(rows.map(pick) as (string | number | null)[]);
  // The SELECT after the INSERT reads the snapshot from before it: the spans stored by earlier exports.
  return sql`
    WITH inserted AS (
      INSERT INTO spans (site_id, trace_id, span_id, parent_span_id, name, kind, start_time, duration_ms, status_code, status_message,
                         operation, model, tool_name, error_type, input_tokens, output_tokens, attributes, events)
      SELECT * FROM unnest(
        ${col((r) => r.siteId)}::uuid[], ${col((r) => r.traceId)}::text[], ${col((r) => r.spanId)}::text[], ${col((r) => r.parentSpanId ?? null)}::text[],
        ${col((r) => r.name)}::text[], ${col((r) => r.kind ?? 0)}::smallint[], ${col((r) => r.startTime.toISOString())}::timestamptz[],
        ${col((r) => r.durationMs)}::float8[], ${col((r) => r.statusCode ?? 0)}::smallint[], ${col((r) => r.statusMessage ?? null)}::text[],
        ${col((r) => r.operation ?? null)}::text[], ${col((r) => r.model ?? null)}::text[], ${col((r) => r.toolName ?? null)}::text[],
        ${col((r) => r.errorType ?? null)}::text[], ${col((r) => r.inputTokens ?? null)}::int[], ${col((r) => r.outputTokens ?? null)}::int[],
        ${col((r) => JSON.stringify(r.attributes))}::jsonb[], ${col((r) => JSON.stringify(r.events))}::jsonb[])
      ON CONFLICT DO NOTHING
      RETURNING trace_id, span_id
    )
    SELECT true AS fresh, trace_id, span_id, NULL AS name, NULL::timestamptz AS start_time, NULL::float8 AS duration_ms, NULL::smallint AS status_code,
           NULL AS status_message, NULL AS operation, NULL AS model, NULL AS tool_name, NULL AS error_type, NULL::int AS input_tokens,
           NULL::int AS output_tokens, NULL::jsonb AS attributes, NULL::jsonb AS events
      FROM inserted
    UNION ALL
    SELECT false, s.trace_id, s.span_id, s.name, s.start_time, s.duration_ms, s.status_code, s.status_message, s.operation, s.model,
           s.tool_name, s.error_type, s.input_tokens, s.output_tokens, s.attributes, s.events
      FROM spans s
     WHERE s.site_id = ${siteId} AND s.trace_id IN (SELECT DISTINCT trace_id FROM inserted)`;
}

/** Inserts or replaces the summaries of traces, one array parameter per column. */
function upsertTracesStatement(rows: readonly { siteId: string; traceId: string; startedAt: Date; summary: TraceSummary; model: string | null; release: string | null; topic: string | null }[]) {
  const col = (pick: (r: (typeof rows)[number]) => string | null) => pgArray(rows.map(pick));
  return sql`
    INSERT INTO traces (site_id, trace_id, started_at, summary, model, release, topic, updated_at)
    SELECT s, t, st, su, m, r, tp, now() FROM unnest(
      ${col((r) => r.siteId)}::uuid[], ${col((r) => r.traceId)}::text[], ${col((r) => r.startedAt.toISOString())}::timestamptz[],
      ${col((r) => JSON.stringify(r.summary))}::jsonb[], ${col((r) => r.model)}::text[], ${col((r) => r.release)}::text[], ${col((r) => r.topic)}::text[]
    ) AS u(s, t, st, su, m, r, tp)
    ON CONFLICT (site_id, trace_id) DO UPDATE SET
      started_at = excluded.started_at, summary = excluded.summary, model = excluded.model,
      release = excluded.release, topic = excluded.topic, updated_at = excluded.updated_at`;
}

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/**
 * A PostgreSQL array literal (one text parameter, cast by the statement): elements quoted, nulls as NULL.
 * Exported for the ingestion bench, whose INSERT ceiling sends the same parameters.
 */
export function pgArray(values: readonly (string | number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `"${v.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;
}
