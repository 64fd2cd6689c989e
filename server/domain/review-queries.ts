/**
 * Review's aggregate queries: the overview (totals, modes, series, agreement), calibration, alerts and
 * filter options. Each reads the `cases` read model (plus agent answers from `messages`) for one site
 * and a time range [from, to); callers check access first (assertReviewAccess).
 */
import { sql, type SQL } from 'drizzle-orm';
import { DEFAULT_THRESHOLDS, type BadgeThresholds } from '../../shared/confidence';
import type { Calibration, CalibrationStats, FilterOptions, ModeCount, Overview, ReviewAlert, SeriesPoint } from '../../shared/review';
import { FAILURE_MODE_IDS, type FailureMode } from '../../shared/traces';
import type { Db } from '../db/client';
import { type BinAggregate, calibrationBins, calibrationStats, mergeBins } from './calibration';
import { FieldError } from './errors';

const DAY_MS = 86_400_000;
/** Ranges longer than this with hourly buckets would draw thousands of points; ask for days instead. */
const MAX_HOURLY_RANGE_DAYS = 62;
/** Topics and releases listed in calibration, by volume. */
export const CALIBRATION_TOP_N = 10;
/** Tolerance for float4 confidences at bin edges and thresholds (float4 is exact to about 6e-8). */
const EPSILON = 1e-6;
/** Filter menus read the site's most recent cases only, so that they stay fast on sites with millions. */
const FILTER_OPTIONS_SCAN = 50_000;

/** Rows of a raw query, whichever driver (PGlite or node-postgres) ran it. */
export const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/** SQL for a timestamptz as ISO text in UTC with milliseconds, the same on both databases. */
export const isoSql = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface ResolvedRange {
  from: Date;
  to: Date;
}

/** [from, to): to defaults to now, from to 7 days before to. */
export function resolveRange(input: { from?: string; to?: string }, now = new Date()): ResolvedRange {
  const to = input.to ? new Date(input.to) : now;
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - 7 * DAY_MS);
  if (from.getTime() >= to.getTime()) throw new FieldError('BAD_REQUEST', 'from must be before to.', { from: 'must be before to' });
  return { from, to };
}

/** The site's badge thresholds (High for the false-confident rate and the confidence bands). */
export async function siteThresholds(db: Db, siteId: string): Promise<BadgeThresholds> {
  const [row] = rowsOf<{ thresholds: BadgeThresholds | null }>(await db.execute(sql`select policy->'thresholds' as thresholds from sites where id = ${siteId}`));
  const t = row?.thresholds;
  return t && typeof t.high === 'number' && typeof t.low === 'number' ? t : DEFAULT_THRESHOLDS;
}

/**
 * Runs aggregates with PostgreSQL's JIT off: a month of cases costs more than its threshold, and compiling
 * took longer than running the query (150 ms of a 1.1 s overview at a million cases, bench/review.ts).
 */
async function withoutJit<T>(db: Db, run: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    return run(tx as unknown as Db);
  });
}

// ---- overview

/** Bucket starts from `from` (truncated) up to `to`, in UTC, so the series has no gaps. */
export function bucketStarts(range: ResolvedRange, bucket: 'hour' | 'day'): string[] {
  const step = bucket === 'hour' ? 3_600_000 : DAY_MS;
  const first = Math.floor(range.from.getTime() / step) * step;
  const out: string[] = [];
  for (let t = first; t < range.to.getTime(); t += step) out.push(new Date(t).toISOString());
  return out;
}

/**
 * Totals, modes, series and agreement. A person who changes their mind leaves two ratings of one answer:
 * only the newest counts (older ones are `superseded`, here and in every other count of Review), so
 * `rated` counts each answer once, in the hour of its newest rating.
 */
export async function overview(db: Db, siteId: string, input: { from?: string; to?: string; bucket?: 'hour' | 'day' }): Promise<Overview> {
  const range = resolveRange(input);
  const spanDays = (range.to.getTime() - range.from.getTime()) / DAY_MS;
  const bucket = input.bucket ?? (spanDays <= 3 ? 'hour' : 'day');
  if (bucket === 'hour' && spanDays > MAX_HOURLY_RANGE_DAYS)
    throw new FieldError('BAD_REQUEST', `Hourly buckets are for ranges up to ${MAX_HOURLY_RANGE_DAYS} days; use bucket 'day'.`, { bucket: 'too fine for this range' });
  const { from, to } = range;
  const starts = bucketStarts(range, bucket);
  // One small range scan per hour (answers, ratings and modes), each grouped by mode in memory, folded into
  // days here: grouping a month of cases by time in one query sorted them all (seconds at a million cases),
  // and counting distinct rated answers per day sorted each day's ratings (hours are 3x faster, bench/review.ts).
  const scanStep: 'hour' | 'day' = spanDays <= MAX_HOURLY_RANGE_DAYS ? 'hour' : 'day';
  const stepMs = scanStep === 'hour' ? 3_600_000 : DAY_MS;
  const scanStarts = bucketStarts(range, scanStep);
  const outputStep = bucket === 'hour' ? 3_600_000 : DAY_MS;
  const bucketOf = (t: string) => new Date(Math.floor(Date.parse(t) / outputStep) * outputStep).toISOString();
  const buckets = sql`unnest(${sql.raw(`array[${scanStarts.map((t) => `'${t}'`).join(',')}]`)}::timestamptz[]) as b(t)`;
  const lo = sql`greatest(b.t, ${from}::timestamptz)`;
  const hi = sql`least(b.t + ${stepMs} * interval '1 millisecond', ${to}::timestamptz)`;
  const [bucketRows, exampleRows] = await withoutJit(db, (tx) => Promise.all([
    tx.execute(sql`
      select ${isoSql(sql`b.t`)} as t, a.answers, r.rated, s.mode, s.helpful, s.not_helpful, s.escalations, s.negatives, s.labelled, s.agreed
      from ${buckets}
      cross join lateral (
        select count(*)::int as answers from messages
        where site_id = ${siteId} and role = 'agent' and sent_at >= ${lo} and sent_at < ${hi}
      ) a
      cross join lateral (
        select count(distinct message_id)::int as rated from cases
        where site_id = ${siteId} and occurred_at >= ${lo} and occurred_at < ${hi} and source = 'feedback' and rating is not null and not superseded
      ) r
      left join lateral (
        select case when negative then mode end as mode,
          count(*) filter (where source = 'feedback' and rating = 1)::int as helpful,
          count(*) filter (where source = 'feedback' and rating = -1)::int as not_helpful,
          count(*) filter (where source = 'escalation')::int as escalations,
          count(*) filter (where negative)::int as negatives,
          count(*) filter (where human_mode is not null and auto_mode is not null)::int as labelled,
          count(*) filter (where human_mode is not null and human_mode = auto_mode)::int as agreed
        from cases where site_id = ${siteId} and occurred_at >= ${lo} and occurred_at < ${hi} and not superseded
        group by 1
      ) s on true`),
    // The newest rationale of each mode, one index probe per mode (cases_site_mode_time_idx).
    tx.execute(sql`
      select m.mode, ex.rationale from unnest(${sql.raw(`array[${FAILURE_MODE_IDS.map((m) => `'${m}'`).join(',')}]`)}::text[]) as m(mode)
      join lateral (
        select rationale from cases
        where site_id = ${siteId} and mode = m.mode and occurred_at >= ${from} and occurred_at < ${to} and negative and rationale is not null and not superseded
        order by occurred_at desc nulls last, id desc nulls last limit 1
      ) ex on true`),
  ]));

  const points = new Map<string, SeriesPoint>(starts.map((t) => [t, { t, answers: 0, helpful: 0, notHelpful: 0, escalations: 0, negatives: 0, byMode: {} }]));
  let answers = 0, rated = 0, helpful = 0, notHelpful = 0, escalations = 0, negatives = 0, labelled = 0, agreed = 0;
  const modeCounts = new Map<FailureMode, number>();
  const counted = new Set<string>();
  type BucketRow = { t: string; answers: number; rated: number; mode: FailureMode | null; helpful: number | null; not_helpful: number | null; escalations: number | null; negatives: number | null; labelled: number | null; agreed: number | null };
  for (const r of rowsOf<BucketRow>(bucketRows)) {
    const p = points.get(bucketOf(r.t))!;
    // Answers and rated come once per scanned range, repeated on each of its mode rows.
    if (!counted.has(r.t)) {
      counted.add(r.t);
      p.answers += Number(r.answers);
      answers += Number(r.answers);
      rated += Number(r.rated);
    }
    if (r.helpful === null) continue; // a bucket without cases
    p.helpful += Number(r.helpful);
    p.notHelpful += Number(r.not_helpful);
    p.escalations += Number(r.escalations);
    // Every mode row (and the row of negatives without a mode) carries its own count: their sum is the bucket's.
    p.negatives += Number(r.negatives);
    helpful += Number(r.helpful);
    notHelpful += Number(r.not_helpful);
    escalations += Number(r.escalations);
    negatives += Number(r.negatives);
    labelled += Number(r.labelled);
    agreed += Number(r.agreed);
    if (r.mode) {
      p.byMode[r.mode] = (p.byMode[r.mode] ?? 0) + Number(r.negatives);
      modeCounts.set(r.mode, (modeCounts.get(r.mode) ?? 0) + Number(r.negatives));
    }
  }
  const examples = new Map(rowsOf<{ mode: FailureMode; rationale: string }>(exampleRows).map((r) => [r.mode, r.rationale]));
  const classified = [...modeCounts.values()].reduce((a, b) => a + b, 0);
  const modes: ModeCount[] = FAILURE_MODE_IDS.filter((m) => modeCounts.has(m))
    .map((mode) => ({ mode, count: modeCounts.get(mode)!, share: modeCounts.get(mode)! / classified, exampleRationale: examples.get(mode) ?? null }))
    .sort((a, b) => b.count - a.count);
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    bucket,
    totals: {
      answers,
      rated,
      ratedShare: ratio(rated, answers),
      helpful,
      notHelpful,
      helpfulRate: ratio(helpful, helpful + notHelpful),
      escalations,
      escalationRate: ratio(escalations, answers),
      negatives,
    },
    modes,
    series: [...points.values()].sort((a, b) => a.t.localeCompare(b.t)),
    agreement: { labelled, agreed, rate: ratio(agreed, labelled) },
  };
}

// ---- calibration

type CalibrationRow = {
  topic: string | null;
  release: string | null;
  bin: number;
  count: number;
  sum_confidence: number;
  helpful: number;
  sum_squared_error: number;
  high: number;
  high_not_helpful: number;
};

const toAggregate = (r: CalibrationRow): BinAggregate => ({
  bin: Number(r.bin),
  count: Number(r.count),
  sumConfidence: Number(r.sum_confidence),
  helpful: Number(r.helpful),
  sumSquaredError: Number(r.sum_squared_error),
  high: Number(r.high),
  highNotHelpful: Number(r.high_not_helpful),
});

/** The top `n` groups (topics or releases) by rated answers, each with its stats. */
function topGroups<K extends 'topic' | 'release'>(rows: CalibrationRow[], key: K, n: number): ({ [P in K]: string | null } & CalibrationStats)[] {
  const groups = new Map<string | null, BinAggregate[]>();
  for (const r of rows) {
    const list = groups.get(r[key]) ?? [];
    list.push(toAggregate(r));
    groups.set(r[key], list);
  }
  return [...groups.entries()]
    .map(([name, aggs]) => ({ [key]: name, ...calibrationStats(mergeBins(aggs)) }) as { [P in K]: string | null } & CalibrationStats)
    .sort((a, b) => b.n - a.n || String(a[key]).localeCompare(String(b[key])))
    .slice(0, n);
}

/**
 * Rated answers (their newest rating) with a stated confidence, in ten bins, overall and per topic and release: one scan
 * grouped by (topic, release, bin) in one hash table, rolled up here (grouping sets kept three tables). Confidences are float4 (0.7 is stored as 0.69999999): bins and the High
 * threshold allow EPSILON so that 0.7 lands in [0.7, 0.8) and a stored 0.9 counts as High at 0.9, as a person
 * reading the value expects (numeric conversion would do the same at several times the cost per row).
 */
export async function calibration(db: Db, siteId: string, input: { from?: string; to?: string; topic?: string; release?: string }): Promise<Calibration> {
  const { from, to } = resolveRange(input);
  const thresholds = await siteThresholds(db, siteId);
  const high = thresholds.high;
  const result = await withoutJit(db, (tx) =>
    tx.execute(sql`
      select topic, release, bin,
        count(*)::int as count,
        sum(c)::float8 as sum_confidence,
        count(*) filter (where y = 1)::int as helpful,
        sum((c - y) * (c - y))::float8 as sum_squared_error,
        count(*) filter (where c + ${EPSILON} >= ${high})::int as high,
        count(*) filter (where c + ${EPSILON} >= ${high} and y = 0)::int as high_not_helpful
      from (
        select topic, release, confidence::float8 as c, case when rating = 1 then 1 else 0 end as y,
          least(9, floor(confidence::float8 * 10 + ${EPSILON}))::int as bin
        from cases
        where site_id = ${siteId} and source = 'feedback' and rating is not null and confidence is not null and not superseded
          and occurred_at >= ${from} and occurred_at < ${to}
          ${input.topic !== undefined ? sql`and topic = ${input.topic}` : sql``}
          ${input.release !== undefined ? sql`and release = ${input.release}` : sql``}
      ) rated
      group by topic, release, bin`),
  );
  const rows = rowsOf<CalibrationRow>(result);
  const overall = mergeBins(rows.map(toAggregate));
  return {
    ...calibrationStats(overall),
    bins: calibrationBins(overall),
    highThreshold: high,
    byTopic: topGroups(rows, 'topic', CALIBRATION_TOP_N),
    byRelease: topGroups(rows, 'release', CALIBRATION_TOP_N),
    topicCount: new Set(rows.map((r) => r.topic)).size,
    releaseCount: new Set(rows.map((r) => r.release)).size,
  };
}

// ---- alerts and filter options

/** Topics, releases and models seen on the site's most recent cases, sorted. */
export async function filterOptions(db: Db, siteId: string): Promise<FilterOptions> {
  const rows = rowsOf<{ kind: 'topic' | 'release' | 'model'; value: string }>(
    await db.execute(sql`
      with recent as (select topic, release, model from cases where site_id = ${siteId} order by occurred_at desc nulls last, id desc nulls last limit ${FILTER_OPTIONS_SCAN})
      select distinct 'topic' as kind, topic as value from recent where topic is not null
      union all select distinct 'release', release from recent where release is not null
      union all select distinct 'model', model from recent where model is not null`),
  );
  const pick = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => r.value).sort((a, b) => a.localeCompare(b));
  return { topics: pick('topic'), releases: pick('release'), models: pick('model') };
}
