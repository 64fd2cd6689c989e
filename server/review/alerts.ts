/**
 * The alert job: once an hour has ended (and a settling delay has passed, so ratings still in the widgets'
 * outboxes and the projector's last pass are in), it compares that hour's Not-helpful rate and escalation rate,
 * per site and per topic, with the previous 7 days (domain/alert-stats.ts decides), and records each jump in
 * the same transaction as its `alert.raised` webhook.
 *
 * Only complete hours are judged: a partial hour's rate swings with every event. Rates:
 *   - Not-helpful rate (metric id `negative_rate`) = Not helpful ratings / all ratings (feedback cases) in the
 *     hour, by `occurred_at`: ratings rather than answers, so that how often users bother to rate does not move
 *     the rate;
 *   - escalation rate = escalation cases / agent answers (`messages`, role agent, by `sent_at`) in the hour.
 * The baseline of a window is the 7 days before it, without the events of hours that alerted (an event is left
 * out when its hour is inside an alert of its own topic or of the whole site, same metric): a spike must not
 * raise the bar for the next one.
 *
 * Incidents, not hourly alarms: one `alerts` row covers consecutive alerting hours of a (site, topic, metric).
 * Its `window_start` is the first hour (so the unique index still holds one row per start), `window_end` the
 * end of the last alerting hour (hours = the difference), and the observed and baseline columns and the
 * message are the latest hour's. The first hour enqueues `alert.raised`; a later hour updates the row and
 * sends `alert.raised` again (same alert id, `hours` > 1) only when markedly worse than the level last sent
 * (read back from the outbox, the record of what the receiver was told). An hour without the alert ends the
 * incident; a later jump starts a new one. A site-wide jump explained by the topics alerting in the same hour
 * is not recorded (`explainedByTopics`).
 *
 * Several instances: a transaction-level advisory lock lets one evaluate at a time (the others skip), the
 * last evaluated hour is kept in `settings`, and an hour already inside an alert's window is never counted
 * again, so no alert or webhook is raised twice. After downtime, up to `lookbackHours` missed hours are
 * caught up, oldest first, so that incidents carry on across them.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { ReviewAlert } from '../../shared/review';
import { ALERT_RULES, alertMessage, explainedByTopics, judgeRate, markedlyWorse, METRIC_NAME, type AlertMetric, type AlertRules, type RateCounts, type RateJudgement } from '../domain/alert-stats';
import { isoSql, resolveRange } from '../domain/review-queries';
import { enqueueWebhook } from '../webhooks/outbox';
import { periodicJob, tryJobLock, type PeriodicJob } from './periodic-job';

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
  /** 'raised': a new incident; 'worse': an incident going on that got markedly worse and was sent again. */
  kind: 'raised' | 'worse';
}

/** `runOnce(now?)` judges every complete, settled hour not judged yet (as of `now`); returns the alerts raised or sent again. */
export type AlertJob = PeriodicJob<[now?: Date], { windows: number; raised: RaisedAlert[] }>;

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

/**
 * Observed and baseline counts per site (topic null) and per site and topic, in one scan per site. Baseline
 * events inside an alert's window, of their own topic or of the whole site, are left out.
 */
async function rates(tx: Db, metric: AlertMetric, windowStart: Date, windowEnd: Date, baselineDays: number): Promise<RateRow[]> {
  const baselineStart = new Date(windowStart.getTime() - baselineDays * DAY_MS);
  const start = sql`${windowStart.toISOString()}::timestamptz`;
  // An incident cannot outlast its baseline (once all of it is excluded, nothing fires), so alerts that began
  // more than two baselines back need no look: the bound keeps the per-event probe on the index.
  const oldestIncident = sql`${new Date(baselineStart.getTime() - baselineDays * DAY_MS).toISOString()}::timestamptz`;
  const alerted = sql`exists (
    select 1 from alerts a
    where a.site_id = s.id and a.metric = ${metric} and a.topic in ('', coalesce(e.topic, ''))
      and a.window_start >= ${oldestIncident} and a.window_start <= e.t and a.window_end > e.t)`;
  return rowsOf<RateRow>(
    await tx.execute(sql`
      select s.id as site_id, g.topic, g.obs_count, g.obs_total, g.base_count, g.base_total
      from sites s
      cross join lateral (
        select u.topic,
               coalesce(sum(u.num) filter (where u.t >= ${start}), 0)::int as obs_count,
               coalesce(sum(u.den) filter (where u.t >= ${start}), 0)::int as obs_total,
               coalesce(sum(u.num) filter (where u.t < ${start} and not u.alerted), 0)::int as base_count,
               coalesce(sum(u.den) filter (where u.t < ${start} and not u.alerted), 0)::int as base_total
        from (select e.*, (e.t < ${start} and ${alerted}) as alerted from (${metricSource(metric, baselineStart, windowEnd)}) e) u
        group by grouping sets ((), (u.topic))
        having grouping(u.topic) = 1 or u.topic is not null
      ) g`),
  );
}

interface Judged {
  siteId: string;
  /** '' for the whole site (as stored). */
  topic: string;
  observed: RateCounts;
  baseline: RateCounts;
  judged: RateJudgement;
}

/**
 * Judges one hour for every site and topic (hours are judged in order: an hour continues the incident that
 * alerted the hour before). Site-wide jumps that the hour's topic alerts explain are dropped.
 */
export async function evaluateWindow(tx: Db, windowStart: Date, opts: { baselineDays?: number; rules?: AlertRules } = {}): Promise<RaisedAlert[]> {
  const baselineDays = opts.baselineDays ?? 7;
  const rules = opts.rules ?? ALERT_RULES;
  const windowEnd = new Date(windowStart.getTime() + HOUR_MS);
  const raised: RaisedAlert[] = [];
  for (const metric of ['negative_rate', 'escalation_rate'] as const) {
    const judged: Judged[] = (await rates(tx, metric, windowStart, windowEnd, baselineDays)).map((row) => {
      const observed = { count: row.obs_count, total: row.obs_total };
      const baseline = { count: row.base_count, total: row.base_total };
      return { siteId: row.site_id, topic: row.topic ?? '', observed, baseline, judged: judgeRate(observed, baseline, rules) };
    });
    const firing = judged.filter((j) => j.judged.fire);
    for (const j of firing) {
      if (j.topic === '' && explainedByTopics(j, firing.filter((t) => t.siteId === j.siteId && t.topic !== ''), rules)) continue;
      const alert = await recordHour(tx, metric, j, windowStart, windowEnd, baselineDays, rules);
      if (alert) raised.push(alert);
    }
  }
  return raised;
}

/** Starts an incident with this hour, or extends the one that alerted the hour before; enqueues what is due. */
async function recordHour(tx: Db, metric: AlertMetric, j: Judged, windowStart: Date, windowEnd: Date, baselineDays: number, rules: AlertRules): Promise<RaisedAlert | null> {
  const key = sql`site_id = ${j.siteId} and topic = ${j.topic} and metric = ${metric}`;
  const startSql = sql`${windowStart.toISOString()}::timestamptz`;
  const endSql = sql`${windowEnd.toISOString()}::timestamptz`;
  // Judged already (a repeat run): nothing to record or send.
  const [seen] = rowsOf<{ id: string }>(await tx.execute(sql`select id from alerts where ${key} and window_start <= ${startSql} and window_end >= ${endSql} limit 1`));
  if (seen) return null;
  const [open] = rowsOf<{ id: string; started: string }>(
    await tx.execute(sql`select id, ${isoSql(sql`window_start`)} as started from alerts where ${key} and window_end = ${startSql} limit 1`),
  );
  const incidentStart = open ? new Date(open.started) : windowStart;
  const topic = j.topic === '' ? null : j.topic;
  const message = alertMessage({ metric, topic, windowStart, windowEnd, observed: j.observed, baseline: j.baseline, baselineDays, incidentStart });
  let id: string;
  if (open) {
    await tx.execute(sql`
      update alerts set window_end = ${endSql}, observed_count = ${j.observed.count}, observed_total = ${j.observed.total},
        observed_rate = ${j.judged.observedRate}, baseline_rate = ${j.judged.baselineRate}, baseline_total = ${j.baseline.total}, message = ${message}
      where id = ${open.id}`);
    id = open.id;
    const last = await lastSentLevel(tx, j.siteId, id);
    // A receiver that never heard of the incident (its webhook was set since) is told now.
    if (last && !markedlyWorse(j.observed, last, rules)) return null;
  } else {
    const [inserted] = rowsOf<{ id: string }>(
      await tx.execute(sql`
        insert into alerts (site_id, topic, metric, window_start, window_end, observed_count, observed_total, observed_rate,
                            baseline_rate, baseline_total, message)
        values (${j.siteId}, ${j.topic}, ${metric}, ${startSql}, ${endSql}, ${j.observed.count}, ${j.observed.total},
                ${j.judged.observedRate}, ${j.judged.baselineRate}, ${j.baseline.total}, ${message})
        on conflict (site_id, topic, metric, window_start) do nothing
        returning id`),
    );
    if (!inserted) return null;
    id = inserted.id;
  }
  const delivery = await enqueueWebhook(tx, j.siteId, 'alert.raised', {
    alert: {
      id,
      metric,
      metricLabel: METRIC_NAME[metric],
      topic,
      windowStart: incidentStart.toISOString(),
      windowEnd: windowEnd.toISOString(),
      hours: Math.round((windowEnd.getTime() - incidentStart.getTime()) / HOUR_MS),
      observedCount: j.observed.count,
      observedTotal: j.observed.total,
      observedRate: j.judged.observedRate,
      baselineCount: j.baseline.count,
      baselineTotal: j.baseline.total,
      baselineRate: j.judged.baselineRate,
      message,
    },
  });
  // An incident's later hours count as sent again only when they were (a site without a webhook hears nothing).
  if (open && !delivery) return null;
  return { id, siteId: j.siteId, topic: j.topic, metric, message, kind: open ? 'worse' : 'raised' };
}

/** The observed counts of the last `alert.raised` enqueued for an alert, or null when none was. */
async function lastSentLevel(tx: Db, siteId: string, alertId: string): Promise<RateCounts | null> {
  const [row] = rowsOf<{ count: number | string; total: number | string }>(
    await tx.execute(sql`
      select d.alert->>'observedCount' as count, d.alert->>'observedTotal' as total
      from (select body::jsonb->'data'->'alert' as alert from webhook_deliveries where site_id = ${siteId} and event = 'alert.raised') d
      where d.alert->>'id' = ${alertId}
      order by d.alert->>'windowEnd' desc
      limit 1`),
  );
  return row ? { count: Number(row.count), total: Number(row.total) } : null;
}

/** Most alerts one page lists; the console asks for the next page with the last row as `before`. */
export const ALERT_PAGE = 500;

/**
 * A site's alerts whose window overlaps [from, to), newest first, a page at a time (keyset on window start
 * and id: a page does not shift when a newer alert comes in).
 */
export async function listAlertPage(db: Db, siteId: string, input: { from?: string; to?: string; before?: { windowStart: string; id: string } }, limit = ALERT_PAGE): Promise<ReviewAlert[]> {
  const { from, to } = resolveRange(input);
  const before = input.before
    ? sql`and (window_start, id) < (${input.before.windowStart}::timestamptz, ${input.before.id}::uuid)`
    : sql``;
  const rows = rowsOf<Omit<ReviewAlert, 'topic'> & { topic: string }>(
    await db.execute(sql`
      select id, metric, topic, ${isoSql(sql`window_start`)} as "windowStart", ${isoSql(sql`window_end`)} as "windowEnd",
        observed_count as "observedCount", observed_total as "observedTotal", observed_rate as "observedRate",
        baseline_rate as "baselineRate", baseline_total as "baselineTotal", message, ${isoSql(sql`created_at`)} as "createdAt"
      from alerts
      where site_id = ${siteId} and window_end > ${from.toISOString()}::timestamptz and window_start < ${to.toISOString()}::timestamptz ${before}
      order by window_start desc, id desc limit ${limit}`),
  );
  return rows.map((r) => ({
    ...r,
    topic: r.topic === '' ? null : r.topic,
    observedCount: Number(r.observedCount),
    observedTotal: Number(r.observedTotal),
    observedRate: Number(r.observedRate),
    baselineRate: Number(r.baselineRate),
    baselineTotal: Number(r.baselineTotal),
  }));
}

export function startAlertJob(db: Db, opts: AlertJobOptions = {}): AlertJob {
  const settleMs = opts.settleMs ?? 120_000;
  const lookbackHours = opts.lookbackHours ?? 6;

  async function pass(now = new Date()): Promise<{ windows: number; raised: RaisedAlert[] }> {
    // The last hour that has ended and settled.
    const lastStart = Math.floor((now.getTime() - settleMs) / HOUR_MS) * HOUR_MS - HOUR_MS;
    return db.transaction(async (t) => {
      const tx = t as unknown as Db;
      if (!(await tryJobLock(tx, 'review-alerts'))) return { windows: 0, raised: [] };
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

  return periodicJob(pass, { intervalMs: opts.intervalMs ?? 60_000, onError: opts.onError ?? (() => {}) });
}
