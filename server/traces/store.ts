/**
 * Stores spans and keeps each touched trace's summary current, in one transaction:
 *
 * 1. take a transaction lock per touched trace, so two exports of one trace cannot both summarise
 *    without seeing each other's spans (the second waits for the first to commit);
 * 2. insert the spans, skipping those already stored (an exporter's retry stores nothing twice);
 * 3. for traces that got a new span, read all their spans, summarise them (domain/trace-summary.ts),
 *    upsert the `traces` rows, and mark the review cases on them for reclassification.
 *
 * One statement per step, whatever the number of spans or traces, since ingestion is measured in spans/s.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { spans, traces } from '../db/schema';
import { markTracesChanged } from '../domain/case-invalidation';
import { summariseTrace } from '../domain/trace-summary';
import { refusalOf, toSpanRow, type SpanRow } from './normalise';
import { noteError, type DecodedRequest } from './incoming';
import type { TraceRecordResult } from '../../shared/trace-record';

/** Rows per INSERT: 18 parameters a row stays well under PostgreSQL's 65,535 parameters a statement. */
const INSERT_CHUNK = 2000;

/** Checks, bounds and stores decoded spans for a site; refused spans are counted with their reasons. */
export async function ingestSpans(db: Db, siteId: string, decoded: DecodedRequest): Promise<TraceRecordResult> {
  const errors = [...decoded.errors];
  let rejected = decoded.rejected;
  const rows: SpanRow[] = [];
  for (const span of decoded.spans) {
    const refusal = refusalOf(span);
    if (refusal) {
      rejected++;
      noteError(errors, refusal);
      continue;
    }
    rows.push(toSpanRow(siteId, span));
  }
  const traceIds = rows.length ? await storeSpanRows(db, siteId, rows) : [];
  return { accepted: rows.length, rejected, errors, traceIds };
}

/** Stores rows of one site; returns the ids of the traces whose summary was recomputed. */
export async function storeSpanRows(db: Db, siteId: string, rows: readonly SpanRow[]): Promise<string[]> {
  const touched = [...new Set(rows.map((r) => r.traceId))].sort();
  return db.transaction(async (tx) => {
    // Sorted keys, taken in order by one statement: concurrent exports of overlapping traces cannot deadlock.
    await tx.execute(sql`
      SELECT pg_advisory_xact_lock(k) FROM (
        SELECT hashtextextended(${siteId} || ':' || t, 0) AS k FROM unnest(${pgTextArray(touched)}::text[]) AS t ORDER BY 1
      ) AS keys`);

    const changed = new Set<string>();
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const inserted = await tx
        .insert(spans)
        .values(rows.slice(i, i + INSERT_CHUNK))
        .onConflictDoNothing()
        .returning({ traceId: spans.traceId });
      for (const r of inserted) changed.add(r.traceId);
    }
    if (changed.size === 0) return [];

    const traceIds = [...changed];
    const stored = await tx
      .select({
        traceId: spans.traceId,
        spanId: spans.spanId,
        name: spans.name,
        startTime: spans.startTime,
        durationMs: spans.durationMs,
        statusCode: spans.statusCode,
        statusMessage: spans.statusMessage,
        operation: spans.operation,
        model: spans.model,
        toolName: spans.toolName,
        errorType: spans.errorType,
        inputTokens: spans.inputTokens,
        outputTokens: spans.outputTokens,
        attributes: spans.attributes,
        events: spans.events,
      })
      .from(spans)
      .where(and(eq(spans.siteId, siteId), sql`${spans.traceId} = ANY(${pgTextArray(traceIds)}::text[])`));

    const byTrace = new Map<string, typeof stored>();
    for (const s of stored) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    const now = new Date();
    const summaries = traceIds.map((traceId) => {
      const all = byTrace.get(traceId) ?? [];
      const summary = summariseTrace(all);
      const startedAt = new Date(Math.min(...all.map((s) => s.startTime.getTime())));
      return { siteId, traceId, startedAt, summary, model: summary.model, release: summary.release, topic: summary.topic, updatedAt: now };
    });
    for (let i = 0; i < summaries.length; i += INSERT_CHUNK)
      await tx
        .insert(traces)
        .values(summaries.slice(i, i + INSERT_CHUNK))
        .onConflictDoUpdate({
        target: [traces.siteId, traces.traceId],
        set: {
          startedAt: sql`excluded.started_at`,
          summary: sql`excluded.summary`,
          model: sql`excluded.model`,
          release: sql`excluded.release`,
          topic: sql`excluded.topic`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
    for (let i = 0; i < traceIds.length; i += INSERT_CHUNK) await markTracesChanged(tx as unknown as Db, siteId, traceIds.slice(i, i + INSERT_CHUNK));
    return traceIds;
  });
}

/** A text[] literal parameter (one parameter, whatever the length). */
function pgTextArray(values: readonly string[]) {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
