/**
 * Reads a site's track record: three grouped range scans over the record window (agent answers by
 * `messages_site_answers_idx`, ratings and escalations by `cases_site_time_stats_idx`, decided drafts by
 * `drafts_site_decided_idx`), each counted per topic, week and step-down period in the database, then folded
 * by the pure functions of track-record.ts. Callers check access first.
 */
import { sql, type SQL } from 'drizzle-orm';
import { trustSettingsOf, type TrackRecord } from '../../shared/trust';
import type { Db } from '../db/client';
import { rowsOf } from './review-queries';
import type { ReviewerApprovals } from './rubber-stamp';
import { listTopics } from './topics';
import { DAY_MS, buildTrackRecord, weekCount, type RecordRow } from './track-record';

type Grouped = { topic: string | null; week: number; recent: boolean };

/** The site's trust settings, with defaults. */
async function siteTrust(db: Db, siteId: string) {
  const [row] = rowsOf<{ trust: unknown }>(await db.execute(sql`select trust from sites where id = ${siteId}`));
  return trustSettingsOf(row?.trust);
}

/** The track record of a site over its record window ending at `now`. */
export async function readTrackRecord(db: Db, siteId: string, now = new Date()): Promise<TrackRecord> {
  const settings = await siteTrust(db, siteId);
  const to = now;
  const from = new Date(to.getTime() - settings.recordWindowDays * DAY_MS);
  const recentFrom = new Date(to.getTime() - settings.stepDownWindowDays * DAY_MS);
  const weeks = weekCount(settings.recordWindowDays);
  // Bucket 0 is the oldest; the newest ends at `to`.
  const week = (column: SQL) => sql`${weeks - 1} - floor(extract(epoch from (${to}::timestamptz - ${column})) / 604800)::int`;
  const topic = (column: SQL) => sql`nullif(btrim(${column}), '')`;

  const [answerRows, caseRows, draftRows, topics] = await Promise.all([
    db.execute(sql`
      select ${topic(sql.raw('topic'))} as topic, ${week(sql.raw('sent_at'))} as week, sent_at >= ${recentFrom}::timestamptz as recent, count(*)::int as answers
      from messages
      where site_id = ${siteId} and role = 'agent' and sent_at >= ${from}::timestamptz and sent_at < ${to}::timestamptz
      group by 1, 2, 3`),
    db.execute(sql`
      select ${topic(sql.raw('topic'))} as topic, ${week(sql.raw('occurred_at'))} as week, occurred_at >= ${recentFrom}::timestamptz as recent,
        count(*) filter (where source = 'feedback' and rating is not null)::int as rated,
        count(*) filter (where source = 'feedback' and rating = 1)::int as helpful,
        count(*) filter (where source = 'escalation')::int as escalations,
        count(*) filter (where source = 'escalation' and outcome is not null)::int as resolved,
        count(*) filter (where source = 'escalation' and outcome = 'agent_was_wrong')::int as wrong
      from cases
      where site_id = ${siteId} and occurred_at >= ${from}::timestamptz and occurred_at < ${to}::timestamptz and not superseded
      group by 1, 2, 3`),
    // Too fast: approved unedited while open for less than reading the agent's text takes (rubber-stamp.ts).
    db.execute(sql`
      select topic, week, recent, decided_by, email,
        count(*) filter (where status = 'approved')::int as approved,
        count(*) filter (where too_fast)::int as approved_too_fast,
        count(*) filter (where status = 'edited')::int as edited,
        count(*) filter (where status = 'rejected')::int as rejected,
        max(open_ms) filter (where too_fast) as max_too_fast_ms
      from (
        select ${topic(sql.raw('d.topic'))} as topic, ${week(sql.raw('d.decided_at'))} as week, d.decided_at >= ${recentFrom}::timestamptz as recent,
          d.decided_by::text as decided_by, s.email, d.status, d.open_ms,
          (d.status = 'approved' and d.open_ms is not null
            and d.open_ms < ${settings.minReadMs} + ${settings.readMsPer100Chars} * length(m.text) / 100.0) as too_fast
        from drafts d
        join messages m on m.id = d.message_id
        left join staff s on s.id = d.decided_by
        where d.site_id = ${siteId} and d.decided_at >= ${from}::timestamptz and d.decided_at < ${to}::timestamptz and d.status <> 'pending'
      ) x
      group by 1, 2, 3, 4, 5`),
    listTopics(db, siteId),
  ]);

  const rows: RecordRow[] = [];
  for (const r of rowsOf<Grouped & { answers: number }>(answerRows)) rows.push({ ...r, week: Number(r.week), answers: Number(r.answers) });
  for (const r of rowsOf<Grouped & { rated: number; helpful: number; escalations: number; resolved: number; wrong: number }>(caseRows)) {
    rows.push({ topic: r.topic, week: Number(r.week), recent: r.recent, rated: Number(r.rated), helpful: Number(r.helpful), escalations: Number(r.escalations), resolved: Number(r.resolved), wrong: Number(r.wrong) });
  }
  type DraftRow = Grouped & { decided_by: string | null; email: string | null; approved: number; approved_too_fast: number; edited: number; rejected: number; max_too_fast_ms: number | null };
  const reviewers = new Map<string, ReviewerApprovals>();
  for (const r of rowsOf<DraftRow>(draftRows)) {
    rows.push({ topic: r.topic, week: Number(r.week), recent: r.recent, approved: Number(r.approved), approvedTooFast: Number(r.approved_too_fast), edited: Number(r.edited), rejected: Number(r.rejected) });
    if (r.decided_by === null || r.email === null) continue;
    const reviewer = reviewers.get(r.decided_by) ?? { staffId: r.decided_by, email: r.email, approvals: 0, tooFast: 0, maxTooFastMs: null };
    reviewer.approvals += Number(r.approved);
    reviewer.tooFast += Number(r.approved_too_fast);
    if (r.max_too_fast_ms !== null) reviewer.maxTooFastMs = Math.max(reviewer.maxTooFastMs ?? 0, Number(r.max_too_fast_ms));
    reviewers.set(r.decided_by, reviewer);
  }
  return buildTrackRecord({ siteId, from, to, settings, topics, rows, reviewers: [...reviewers.values()] });
}
