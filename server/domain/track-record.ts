/**
 * The track record: per topic (plus answers without a topic, plus the whole site), over the record window
 * and by week, the measured outcomes of the agent's answers, each rate with its 95% Wilson interval, and the
 * recommendation they support. Pure functions over counted rows; track-record-query.ts reads the rows.
 *
 * Rates and their denominators:
 *   - helpful: helpful ratings / ratings (each rating as given, as Review counts them);
 *   - approved unedited, edited, rejected: / decided drafts (approved raw counts every approval; approved
 *     reviewed leaves the too-fast approvals out of both counts, see rubber-stamp.ts);
 *   - escalated: escalations / agent answers;
 *   - agent_was_wrong: escalations resolved `agent_was_wrong` / escalations resolved with an outcome.
 */
import type { Autonomy, TopicPolicy, TopicRecord, TrackRecord, TrackRecordWeek, TrustSettings } from '../../shared/trust';
import {
  decidedOf,
  emptyCounts,
  rateOf,
  recommend,
  reviewedApprovalsOf,
  reviewedOf,
  type RecordCounts,
} from './recommendations';
import { reviewerStamps, type ReviewerApprovals } from './rubber-stamp';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
/** How answers without a topic are shown. */
export const NO_TOPIC_LABEL = '(no topic)';

/** Counts of one topic (null: no topic), one week (0 = oldest) and one side of the step-down split. */
export interface RecordRow extends Partial<RecordCounts> {
  topic: string | null;
  week: number;
  /** In the last `stepDownWindowDays` of the window. */
  recent: boolean;
}

/** Number of weekly buckets in a window of `windowDays` (counted back from its end; the oldest may be short). */
export const weekCount = (windowDays: number) => Math.ceil(windowDays / 7);

/** Start of each weekly bucket, oldest first: bucket i ends `(weeks − 1 − i) × 7` days before `to`. */
export function weekStarts(from: Date, to: Date, weeks: number): string[] {
  return Array.from({ length: weeks }, (_, i) => new Date(Math.max(from.getTime(), to.getTime() - (weeks - i) * WEEK_MS)).toISOString());
}

function add(into: RecordCounts, row: Partial<RecordCounts>): void {
  for (const key of Object.keys(into) as (keyof RecordCounts)[]) into[key] += Number(row[key] ?? 0);
}

function subtract(a: RecordCounts, b: RecordCounts): RecordCounts {
  const out = emptyCounts();
  for (const key of Object.keys(out) as (keyof RecordCounts)[]) out[key] = a[key] - b[key];
  return out;
}

/** A topic's counts over the window, its recent part, and each week. */
export interface TopicCounts {
  total: RecordCounts;
  recent: RecordCounts;
  weeks: RecordCounts[];
}

/** Folds rows into counts per topic key ('' stands for no topic). */
export function countByTopic(rows: readonly RecordRow[], weeks: number): Map<string | null, TopicCounts> {
  const out = new Map<string | null, TopicCounts>();
  for (const row of rows) {
    const key = row.topic?.trim() ? row.topic : null;
    let c = out.get(key);
    if (!c) out.set(key, (c = { total: emptyCounts(), recent: emptyCounts(), weeks: Array.from({ length: weeks }, emptyCounts) }));
    add(c.total, row);
    if (row.recent) add(c.recent, row);
    const week = c.weeks[Math.min(weeks - 1, Math.max(0, row.week))]!;
    add(week, row);
  }
  return out;
}

function sumCounts(all: Iterable<TopicCounts>, weeks: number): TopicCounts {
  const sum: TopicCounts = { total: emptyCounts(), recent: emptyCounts(), weeks: Array.from({ length: weeks }, emptyCounts) };
  for (const c of all) {
    add(sum.total, c.total);
    add(sum.recent, c.recent);
    c.weeks.forEach((w, i) => add(sum.weeks[i]!, w));
  }
  return sum;
}

export interface TrackRecordInput {
  siteId: string;
  from: Date;
  to: Date;
  settings: TrustSettings;
  /** The site's defined topics. */
  topics: readonly TopicPolicy[];
  rows: readonly RecordRow[];
  reviewers: readonly ReviewerApprovals[];
}

interface Scope {
  topic: string | null;
  label: string;
  scope: TopicRecord['scope'];
  policy: TopicPolicy | null;
  autonomy: Autonomy | null;
}

function topicRecord(scope: Scope, counts: TopicCounts, starts: string[], settings: TrustSettings): TopicRecord {
  const { total } = counts;
  const decided = decidedOf(total);
  const weeks: TrackRecordWeek[] = counts.weeks.map((w, i) => ({
    start: starts[i]!,
    answers: w.answers,
    helpful: w.helpful,
    rated: w.rated,
    escalations: w.escalations,
    reviewed: reviewedOf(w),
    reviewedApprovals: reviewedApprovalsOf(w),
  }));
  const advice =
    scope.scope === 'topic' && scope.autonomy
      ? recommend({
          label: scope.label,
          autonomy: scope.autonomy,
          failureCost: scope.policy?.failureCost ?? null,
          total,
          recent: counts.recent,
          before: subtract(total, counts.recent),
          settings,
        })
      : null;
  return {
    topic: scope.topic,
    label: scope.label,
    scope: scope.scope,
    defined: scope.policy !== null,
    autonomy: scope.autonomy,
    failureCost: scope.policy?.failureCost ?? null,
    criterion: scope.policy?.criterion ?? null,
    volume: total.answers,
    helpful: rateOf(total.helpful, total.rated),
    approvedRaw: rateOf(total.approved, decided),
    approvedReviewed: rateOf(reviewedApprovalsOf(total), reviewedOf(total)),
    edited: rateOf(total.edited, decided),
    rejected: rateOf(total.rejected, decided),
    escalated: rateOf(total.escalations, total.answers),
    agentWasWrong: rateOf(total.wrong, total.resolved),
    tooFastApprovals: total.approvedTooFast,
    weeks,
    recommendation: advice?.recommendation ?? null,
    status: advice?.status ?? null,
  };
}

/**
 * The site's track record from counted rows: every defined topic (with or without answers), every topic seen
 * in the window (under the default autonomy when not defined), then "(no topic)" when such answers exist;
 * the site total; and the reviewers' rubber-stamp notes.
 */
export function buildTrackRecord(input: TrackRecordInput): TrackRecord {
  const { settings } = input;
  const weeks = weekCount(settings.recordWindowDays);
  const starts = weekStarts(input.from, input.to, weeks);
  const counted = countByTopic(input.rows, weeks);
  const policies = new Map(input.topics.map((t) => [t.name, t]));
  const names = [...new Set([...policies.keys(), ...[...counted.keys()].filter((k): k is string => k !== null)])].sort((a, b) => a.localeCompare(b));
  const none = (): TopicCounts => ({ total: emptyCounts(), recent: emptyCounts(), weeks: Array.from({ length: weeks }, emptyCounts) });

  const topics = names.map((name) => {
    const policy = policies.get(name) ?? null;
    return topicRecord(
      { topic: name, label: name, scope: 'topic', policy, autonomy: policy?.autonomy ?? settings.defaultAutonomy },
      counted.get(name) ?? none(),
      starts,
      settings,
    );
  });
  const noTopic = counted.get(null);
  if (noTopic) topics.push(topicRecord({ topic: null, label: NO_TOPIC_LABEL, scope: 'no_topic', policy: null, autonomy: settings.defaultAutonomy }, noTopic, starts, settings));
  const total = topicRecord({ topic: null, label: 'All topics', scope: 'site', policy: null, autonomy: null }, sumCounts(counted.values(), weeks), starts, settings);

  return {
    siteId: input.siteId,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    windowDays: settings.recordWindowDays,
    settings: {
      stepUpMinDecisions: settings.stepUpMinDecisions,
      stepUpLowerBound: settings.stepUpLowerBound,
      stepDownWindowDays: settings.stepDownWindowDays,
      recordWindowDays: settings.recordWindowDays,
      readMsPer100Chars: settings.readMsPer100Chars,
      minReadMs: settings.minReadMs,
    },
    total,
    topics,
    reviewers: reviewerStamps(input.reviewers),
  };
}
