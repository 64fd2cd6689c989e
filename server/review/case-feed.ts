/**
 * Turns feedback and escalations into review cases (the `cases` read model). Batched SQL only: each step is
 * a handful of statements whatever the batch size. Callers hold the projector's lock (see projector.ts).
 *
 * Feedback: `feedback.seq` values are taken when a row is inserted but become visible when its transaction
 * commits, so a row with a lower seq can appear after a higher one (the group-commit writer, several
 * instances), and a plain "seq > cursor" would skip it. Two cursors, kept in `settings`:
 *   - `seen`: each pass makes the cases of the rows above it, oldest first, and moves it to the last one. This
 *     is the fast path; it may step over a row whose transaction has not committed yet.
 *   - `safe`: every row at or below it has its case. Each pass also notes (database time, `seen`). Once a note
 *     is older than `commitLagMs`, every row up to its `seen` is visible: such a row's seq was taken before the
 *     note, so its transaction began before it, and transactions that store feedback commit well within the
 *     lag (the signal writer's take milliseconds). The rows between `safe` and that `seen` that still have no
 *     case (the late ones) get theirs through an anti-join, and `safe` moves up.
 * So each rating is inserted once and looked at once more, a late one gets its case at most about
 * `commitLagMs` later, and `cases.source_id` being unique makes any repeat insert nothing. A user may rate
 * an answer again (changed their mind): each rating keeps its case, and all but the newest of an answer are
 * marked `superseded` in the same transaction (markSuperseded), which every count in Review leaves out.
 *
 * Escalations: driven by the event log, whose ids become visible in commit order, so a plain cursor on
 * `events.id` misses nothing.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';

export const FEEDBACK_STATE_KEY = 'review.projector.feedback';
export const EVENT_CURSOR_KEY = 'review.projector.event_id';

/** The feedback cursors and the notes of `seen` by database time (ms), oldest first. */
export interface FeedbackCursors {
  seen: number;
  safe: number;
  marks: [atMs: number, seen: number][];
}

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

async function readSetting(tx: Db, key: string): Promise<string | null> {
  const [row] = rowsOf<{ value: string }>(await tx.execute(sql`select value from settings where key = ${key}`));
  return row?.value ?? null;
}

async function writeSetting(tx: Db, key: string, value: string): Promise<void> {
  await tx.execute(sql`insert into settings (key, value) values (${key}, ${value}) on conflict (key) do update set value = excluded.value`);
}

export async function readFeedbackCursors(tx: Db): Promise<FeedbackCursors> {
  const raw = await readSetting(tx, FEEDBACK_STATE_KEY);
  return raw ? (JSON.parse(raw) as FeedbackCursors) : { seen: 0, safe: 0, marks: [] };
}

/**
 * Inserts the cases of the feedback rows picked by `where` (up to `limit`, oldest first) that have none.
 *
 * occurred_at is when the user rated, by the widget's clock (`sent_at`, the clock the answers' `sent_at` that
 * Review counts against also uses), but never later than the server received it, so a fast clock cannot put
 * a case in the future. Positive cases need no classification and are stored classified.
 */
async function insertFeedbackCases(tx: Db, where: SQL, limit: number): Promise<{ picked: number; lastSeq: number | null; inserted: number; answers: RatedAnswer[] }> {
  const [r] = rowsOf<{ picked: number; last_seq: string | null; inserted: number; answers: RatedAnswer[] | string | null }>(
    await tx.execute(sql`
      with picked as (
        select f.* from feedback f
        where ${where}
        order by f.seq
        limit ${limit}
      ), ins as (
        insert into cases (site_id, source, source_id, conversation_id, message_id, trace_id, occurred_at, rating, reasons, comment,
                           confidence, topic, release, model, escalated, negative, classified_at)
        select p.site_id, 'feedback', p.id, p.conversation_id, p.message_id, p.trace_id, least(p.sent_at, p.created_at), p.rating,
               p.reasons, p.comment, p.confidence, coalesce(p.topic, t.topic), t.release, t.model,
               -- Escalation cases (indexed by conversation) rather than escalations (not): one made after this
               -- case is applied by projectEscalationEvents instead.
               exists (select 1 from cases e where e.conversation_id = p.conversation_id and e.source = 'escalation' and e.occurred_at >= m.created_at),
               p.rating = -1,
               case when p.rating = -1 then null else now() end
        from picked p
        join messages m on m.id = p.message_id
        left join traces t on t.site_id = p.site_id and t.trace_id = p.trace_id
        on conflict (source_id) do nothing
        returning conversation_id, message_id
      )
      select (select count(*) from picked)::int as picked, (select max(seq) from picked)::text as last_seq, (select count(*) from ins)::int as inserted,
        (select json_agg(distinct jsonb_build_object('conversationId', conversation_id, 'messageId', message_id)) from ins) as answers`),
  );
  const answers = typeof r!.answers === 'string' ? (JSON.parse(r!.answers) as RatedAnswer[]) : (r!.answers ?? []);
  return { picked: r!.picked, lastSeq: r!.last_seq === null ? null : Number(r!.last_seq), inserted: r!.inserted, answers };
}

/** An answer that got a new rating case (its conversation too, which the cases are indexed by). */
interface RatedAnswer {
  conversationId: string;
  messageId: string;
}

/**
 * Marks, among the rating cases of the given answers, every one but the newest as superseded (the user
 * changed their mind; Review counts the newest rating only) and the newest as not. Newest is by the user's
 * rating time (`sent_at`, one widget's clock for all ratings of an answer) then arrival (`seq`): the outbox
 * may deliver an older rating after a newer one, and that late one must end up superseded, not the newer.
 * Recomputing each touched answer whole makes the order of arrival and any repeat pass irrelevant. One
 * statement per batch; the rows are found through the conversation index. Only rows whose flag changes are
 * written. Run under the projector's lock (one instance at a time), in the transaction of the inserts.
 */
async function markSuperseded(tx: Db, answers: RatedAnswer[]): Promise<void> {
  if (answers.length === 0) return;
  const conversations = [...new Set(answers.map((a) => a.conversationId))];
  const messages = [...new Set(answers.map((a) => a.messageId))];
  await tx.execute(sql`
    update cases c set superseded = r.newest_first > 1
    from (
      select c2.id, row_number() over (partition by c2.message_id order by f.sent_at desc nulls last, f.seq desc nulls last, c2.id desc) as newest_first
      from cases c2 left join feedback f on f.id = c2.source_id
      where c2.conversation_id = any(${sql.param(conversations)}::uuid[]) and c2.message_id = any(${sql.param(messages)}::uuid[])
        and c2.source = 'feedback'
    ) r
    where c.id = r.id and c.superseded <> (r.newest_first > 1)`);
}

/**
 * One batch of both paths (see the top of this file). Returns how many cases were inserted and whether a
 * batch was full (more may wait).
 */
export async function projectFeedback(tx: Db, opts: { limit: number; commitLagMs: number }): Promise<{ inserted: number; full: boolean }> {
  const state = await readFeedbackCursors(tx);
  const [{ now_ms: nowMs }] = rowsOf<{ now_ms: number }>(await tx.execute(sql`select (extract(epoch from now()) * 1000)::float8 as now_ms`)) as [{ now_ms: number }];

  const fresh = await insertFeedbackCases(tx, sql`f.seq > ${state.seen}`, opts.limit);
  if (fresh.lastSeq !== null) state.seen = fresh.lastSeq;

  // The newest note old enough that every row up to its `seen` is visible now.
  const settled = state.marks.filter(([at]) => at <= nowMs - opts.commitLagMs).at(-1)?.[1] ?? null;
  let late: Awaited<ReturnType<typeof insertFeedbackCases>> = { picked: 0, lastSeq: null, inserted: 0, answers: [] };
  if (settled !== null && settled > state.safe) {
    late = await insertFeedbackCases(
      tx,
      sql`f.seq > ${state.safe} and f.seq <= ${settled} and not exists (select 1 from cases c where c.source_id = f.id)`,
      opts.limit,
    );
    state.safe = late.picked >= opts.limit ? late.lastSeq! : settled;
  }
  await markSuperseded(tx, [...fresh.answers, ...late.answers]);

  if (state.marks.at(-1)?.[1] !== state.seen) state.marks.push([nowMs, state.seen]);
  // Keep the newest settled note (the next pass may still need it) and everything newer.
  const firstKept = Math.max(0, state.marks.findLastIndex(([at]) => at <= nowMs - opts.commitLagMs));
  state.marks = state.marks.slice(firstKept);
  await writeSetting(tx, FEEDBACK_STATE_KEY, JSON.stringify(state));
  return { inserted: fresh.inserted + late.inserted, full: fresh.picked >= opts.limit || late.picked >= opts.limit };
}

export interface EventPass {
  escalationCases: number;
  resolved: number;
  full: boolean;
}

/**
 * Applies up to `limit` escalation events after the cursor: `escalation.created` makes the escalation's case
 * (its answer is the conversation's last agent message stored before the escalation) and marks the feedback
 * cases of answers stored at or before it as escalated; `escalation.resolved` sets the case's outcome.
 * Outcomes: `agent_was_right` makes the case not negative (the agent's answer was fine; the user wanted a
 * person), every other outcome keeps it negative (`agent_was_wrong` confirms it; `resolved` and `no_response`
 * say nothing about the answer), and the case goes back to the classification queue with its new evidence.
 */
export async function projectEscalationEvents(tx: Db, opts: { limit: number }): Promise<EventPass> {
  const cursor = Number((await readSetting(tx, EVENT_CURSOR_KEY)) ?? 0);
  // One statement, one snapshot: every id up to `top` is visible in it (ids become visible in order), so
  // when the page is not full the cursor may jump to `top` past the events of other types.
  const rows = rowsOf<{ top: string; id: string | null; type: string | null; escalation_id: string | null }>(
    await tx.execute(sql`
      select t.top::text as top, e.id::text as id, e.type, e.escalation_id
      from (select coalesce(max(id), 0) as top from events) t
      left join lateral (
        select id, type, escalation_id from events
        where id > ${cursor} and id <= t.top and type in ('escalation.created', 'escalation.resolved') and escalation_id is not null
        order by id
        limit ${opts.limit}
      ) e on true`),
  );
  const page = rows.filter((r) => r.id !== null);
  const full = page.length >= opts.limit;
  const next = full ? Number(page.at(-1)!.id) : Number(rows[0]?.top ?? cursor);
  const created = [...new Set(page.filter((r) => r.type === 'escalation.created').map((r) => r.escalation_id!))];
  const resolvedIds = [...new Set(page.filter((r) => r.type === 'escalation.resolved').map((r) => r.escalation_id!))];
  let escalationCases = 0;
  let resolved = 0;
  if (created.length) {
    const ids = sql`${sql.param(created)}::uuid[]`;
    const inserted = rowsOf(
      await tx.execute(sql`
        insert into cases (site_id, source, source_id, conversation_id, message_id, trace_id, occurred_at, rating, confidence, topic,
                           release, model, escalated, outcome, negative, classified_at)
        select x.site_id, 'escalation', x.id, x.conversation_id, a.id, a.trace_id, x.created_at, null, a.confidence, coalesce(a.topic, t.topic),
               t.release, t.model, true, x.outcome, coalesce(x.outcome, '') <> 'agent_was_right',
               case when coalesce(x.outcome, '') = 'agent_was_right' then now() else null end
        from escalations x
        left join lateral (
          select m.id, m.trace_id, m.confidence, m.topic from messages m
          where m.conversation_id = x.conversation_id and m.role = 'agent' and m.created_at <= x.created_at
          order by m.created_at desc, m.sent_at desc
          limit 1
        ) a on true
        left join traces t on t.site_id = x.site_id and t.trace_id = a.trace_id
        where x.id = any(${ids})
        on conflict (source_id) do nothing
        returning 1`),
    );
    escalationCases = inserted.length;
    await tx.execute(sql`
      update cases c set escalated = true
      from escalations x, messages m
      where x.id = any(${ids}) and c.conversation_id = x.conversation_id and c.source = 'feedback' and not c.escalated
        and m.id = c.message_id and m.created_at <= x.created_at`);
  }
  if (resolvedIds.length) {
    const updated = rowsOf(
      await tx.execute(sql`
        update cases c
        set outcome = x.outcome,
            negative = x.outcome <> 'agent_was_right',
            classified_at = case when x.outcome = 'agent_was_right' then now() else null end,
            auto_mode = case when x.outcome = 'agent_was_right' then null else c.auto_mode end,
            auto_modes = case when x.outcome = 'agent_was_right' then null else c.auto_modes end,
            auto_confidence = case when x.outcome = 'agent_was_right' then null else c.auto_confidence end,
            rationale = case when x.outcome = 'agent_was_right' then null else c.rationale end,
            evidence_span_id = case when x.outcome = 'agent_was_right' then null else c.evidence_span_id end
        from escalations x
        where x.id = any(${sql.param(resolvedIds)}::uuid[]) and c.source_id = x.id and x.outcome is not null
          and c.outcome is distinct from x.outcome
        returning 1`),
    );
    resolved = updated.length;
  }
  if (next > cursor) await writeSetting(tx, EVENT_CURSOR_KEY, String(next));
  return { escalationCases, resolved, full };
}
