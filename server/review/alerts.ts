/**
 * The alert job: once an hour has ended (and a settling delay has passed, so ratings still in the widgets'
 * outboxes and the projector's last pass are in), it compares that hour's negative rate and escalation rate,
 * per site and per topic, with the previous 7 days (domain/alert-stats.ts decides), inserts an alert for each
 * jump, and enqueues its `alert.raised` webhook in the same transaction.
 *
 * Only complete hours are judged: a partial hour's rate swings with every event, and an alert is raised
 * once per window. Rates:
 *   - negative rate = Not helpful ratings / all ratings (feedback cases) in the hour, by `occurred_at`:
 *     ratings rather than answers, so that how often users bother to rate does not move the rate;
 *   - escalation rate = escalation cases / agent answers (`messages`, role agent, by `sent_at`) in the hour.
 * The baseline of a window is the 7 days before it (the window itself excluded).
 *
 * Several instances: a transaction-level advisory lock lets one evaluate at a time (the others skip), the
 * last evaluated hour is kept in `settings`, and the unique index on (site, topic, metric, window) makes a
 * repeat insert nothing, so no alert or webhook is ever raised twice. After downtime, up to
 * `lookbackHours` missed hours are caught up.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { ALERT_RULES, alertMessage, judgeRate, type AlertMetric, type AlertRules, type RateCounts } from '../domain/alert-stats';
import { enqueueWebhook } from '../webhooks/outbox';

export const ALERTS_EVALUATED_KEY = 'review.alerts.evaluated_until';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface AlertJobOptions {
  /** How often to look for an hour to judge (ms, default 60 000); 0 runs no timer (tests call runOnce). */
  intervalMs?: number;
  /** Wait after an hour ends before judging it (ms, default 2 minutes). */
  settleMs?: number;
  /** Hours caught up after downtime (default 6). */
  lookbackHours?: number;
  baselineDays?: number;
  rules?: AlertRules;
  onError?: (err: unknown) => void;
}

export interface RaisedAlert {
  id: string;
  siteId: string;
  topic: string;
  metric: AlertMetric;
  message: string;
}

export interface AlertJob {
  /** Judges every complete, settled hour not judged yet (as of `now`); returns the alerts raised. */
  runOnce(now?: Date): Promise<{ windows: number; raised: RaisedAlert[] }>;
  close(): Promise<void>;
}

interface RateRow {
  site_id: string;
  topic: string | null;
  obs_count: number;
  obs_total: number;
  base_count: number;
  base_total: number;
}

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/** The events (`num`) and opportunities (`den`) of a metric, per site, in [from, to), with their topic and time. */
function metricSource(metric: AlertMetric, fromDate: Date, toDate: Date) {
  const from = sql`${fromDate.toISOString()}::timestamptz`;
  const to = sql`${toDate.toISOString()}::timestamptz`;
  if (metric === 'negative_rate')
    return sql`
      select c.topic, c.occurred_at as t, (c.rating = -1)::int as num, 1 as den from cases c
      where c.site_id = s.id and c.source = 'feedback' and not c.superseded and c.occurred_at >= ${from} and c.occurred_at < ${to}`;
  return sql`
      select c.topic, c.occurred_at as t, 1 as num, 0 as den from cases c
      where c.site_id = s.id and c.source = 'escalation' and c.occurred_at >= ${from} and c.occurred_at < ${to}
      union all
      select m.topic, m.sent_at, 0, 1 from messages m
      where m.site_id = s.id and m.role = 'agent' and m.sent_at >= ${from} and m.sent_at < ${to}`;
}

/** Observed and baseline counts per site (topic null) and per site and topic, in one scan per site. */
async function rates(tx: Db, metric: AlertMetric, windowStart: Date, windowEnd: Date, baselineDays: number): Promise<RateRow[]> {
  const baselineStart = new Date(windowStart.getTime() - baselineDays * DAY_MS);
  const start = sql`${windowStart.toISOString()}::timestamptz`;
  return rowsOf<RateRow>(
    await tx.execute(sql`
      select s.id as site_id, g.topic, g.obs_count, g.obs_total, g.base_count, g.base_total
      from sites s
      cross join lateral (
        select u.topic,
               coalesce(sum(u.num) filter (where u.t >= ${start}), 0)::int as obs_count,
               coalesce(sum(u.den) filter (where u.t >= ${start}), 0)::int as obs_total,
               coalesce(sum(u.num) filter (where u.t < ${start}), 0)::int as base_count,
               coalesce(sum(u.den) filter (where u.t < ${start}), 0)::int as base_total
        from (${metricSource(metric, baselineStart, windowEnd)}) u
        group by grouping sets ((), (u.topic))
        having grouping(u.topic) = 1 or u.topic is not null
      ) g`),
  );
}

/** Judges one hour for every site and topic; inserts and enqueues the alerts that fire. */
export async function evaluateWindow(tx: Db, windowStart: Date, opts: { baselineDays?: number; rules?: AlertRules } = {}): Promise<RaisedAlert[]> {
  const baselineDays = opts.baselineDays ?? 7;
  const windowEnd = new Date(windowStart.getTime() + HOUR_MS);
  const raised: RaisedAlert[] = [];
  for (const metric of ['negative_rate', 'escalation_rate'] as const) {
    for (const row of await rates(tx, metric, windowStart, windowEnd, baselineDays)) {
      const observed: RateCounts = { count: row.obs_count, total: row.obs_total };
      const baseline: RateCounts = { count: row.base_count, total: row.base_total };
      const judged = judgeRate(observed, baseline, opts.rules ?? ALERT_RULES);
      if (!judged.fire) continue;
      const topic = row.topic ?? '';
      const message = alertMessage({ metric, topic: row.topic, windowStart, windowEnd, observed, baseline, baselineDays });
      const [inserted] = rowsOf<{ id: string }>(
        await tx.execute(sql`
          insert into alerts (site_id, topic, metric, window_start, window_end, observed_count, observed_total, observed_rate,
                              baseline_rate, baseline_total, message)
          values (${row.site_id}, ${topic}, ${metric}, ${windowStart.toISOString()}::timestamptz, ${windowEnd.toISOString()}::timestamptz, ${observed.count}, ${observed.total},
                  ${judged.observedRate}, ${judged.baselineRate}, ${baseline.total}, ${message})
          on conflict (site_id, topic, metric, window_start) do nothing
          returning id`),
      );
      if (!inserted) continue;
      await enqueueWebhook(tx, row.site_id, 'alert.raised', {
        alert: {
          id: inserted.id,
          metric,
          topic: row.topic,
          windowStart: windowStart.toISOString(),
          windowEnd: windowEnd.toISOString(),
          observedCount: observed.count,
          observedTotal: observed.total,
          observedRate: judged.observedRate,
          baselineCount: baseline.count,
          baselineTotal: baseline.total,
          baselineRate: judged.baselineRate,
          message,
        },
      });
      raised.push({ id: inserted.id, siteId: row.site_id, topic, metric, message });
    }
  }
  return raised;
}

const LOCK_SQL = sql`select pg_try_advisory_xact_lock(hashtext('backstop:review-alerts:' || current_schema())) as locked`;

export function startAlertJob(db: Db, opts: AlertJobOptions = {}): AlertJob {
  const intervalMs = opts.intervalMs ?? 60_000;
  const settleMs = opts.settleMs ?? 120_000;
  const lookbackHours = opts.lookbackHours ?? 6;
  const onError = opts.onError ?? (() => {});
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  async function pass(now: Date): Promise<{ windows: number; raised: RaisedAlert[] }> {
    // The last hour that has ended and settled.
    const lastStart = Math.floor((now.getTime() - settleMs) / HOUR_MS) * HOUR_MS - HOUR_MS;
    return db.transaction(async (t) => {
      const tx = t as unknown as Db;
      const [lock] = rowsOf<{ locked: boolean }>(await tx.execute(LOCK_SQL));
      if (!lock?.locked) return { windows: 0, raised: [] };
      const [mark] = rowsOf<{ value: string }>(await tx.execute(sql`select value from settings where key = ${ALERTS_EVALUATED_KEY}`));
      const judgedUntil = mark ? Date.parse(mark.value) : 0;
      const first = Math.max(judgedUntil, lastStart - (lookbackHours - 1) * HOUR_MS);
      const raised: RaisedAlert[] = [];
      let windows = 0;
      for (let start = first; start <= lastStart; start += HOUR_MS) {
        raised.push(...(await evaluateWindow(tx, new Date(start), opts)));
        windows++;
      }
      if (windows > 0) {
        const until = new Date(lastStart + HOUR_MS).toISOString();
        await tx.execute(sql`insert into settings (key, value) values (${ALERTS_EVALUATED_KEY}, ${until}) on conflict (key) do update set value = excluded.value`);
      }
      return { windows, raised };
    });
  }

  function runOnce(now = new Date()) {
    const next = running.then(() => pass(now), () => pass(now));
    running = next.catch(() => {});
    return next;
  }

  function schedule() {
    if (closed || intervalMs <= 0) return;
    timer = setTimeout(async () => {
      timer = null;
      try {
        await runOnce();
      } catch (err) {
        if (!closed) onError(err);
      }
      schedule();
    }, intervalMs);
    timer.unref?.();
  }
  schedule();

  return {
    runOnce,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
