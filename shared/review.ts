/**
 * Wire shapes of Review (console; roles reviewer and admin): procedure inputs as zod schemas (run on the
 * server) and results as types (imported by the console and the CLI).
 */
import { z } from 'zod';
import type { BadgeThresholds } from './confidence';
import type { EscalationOutcome } from './handoff';
import { cleanText } from './normalise';
import { FAILURE_MODE_IDS, type CaseModeVerdict, type FailureMode, type SpanEvent, type TraceSummary } from './traces';

const uuid = z.uuid();
const isoTime = z.iso.datetime({ offset: true });

/** A site and a time range [from, to); to defaults to now, from to 7 days before to. */
export const reviewRangeInput = z.object({
  siteId: uuid,
  from: isoTime.optional(),
  to: isoTime.optional(),
});

// ---- overview

export const overviewInput = reviewRangeInput.extend({
  /** Width of the series' buckets; default: hour for ranges up to 3 days, else day. */
  bucket: z.enum(['hour', 'day']).optional(),
});

export interface ReviewTotals {
  /** Agent answers shown in the range. */
  answers: number;
  /** Answers with at least one rating, and their share of answers. */
  rated: number;
  ratedShare: number | null;
  helpful: number;
  notHelpful: number;
  /** helpful / (helpful + notHelpful). */
  helpfulRate: number | null;
  escalations: number;
  /** Escalations per answer. */
  escalationRate: number | null;
  /** Negative cases: Not helpful, escalations, outcomes `agent_was_wrong`. */
  negatives: number;
}

export interface ModeCount {
  mode: FailureMode;
  count: number;
  /** Share of classified negatives. */
  share: number;
  /** The most recent rationale of this mode, as an example. */
  exampleRationale: string | null;
}

export interface SeriesPoint {
  /** Bucket start, ISO. */
  t: string;
  answers: number;
  helpful: number;
  notHelpful: number;
  escalations: number;
  /** Negative cases (Not helpful, escalations, `agent_was_wrong` outcomes), as counted in the totals. */
  negatives: number;
  byMode: Partial<Record<FailureMode, number>>;
}

export interface Overview {
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  totals: ReviewTotals;
  modes: ModeCount[];
  series: SeriesPoint[];
  /** How often reviewers kept the automatic mode, over human-labelled cases. */
  agreement: { labelled: number; agreed: number; rate: number | null };
}

// ---- calibration

export const calibrationInput = reviewRangeInput.extend({
  topic: z.string().overwrite(cleanText).max(200).optional(),
  release: z.string().overwrite(cleanText).max(200).optional(),
});

export interface CalibrationBin {
  /** [lo, hi) of stated confidence; the last bin includes 1. */
  lo: number;
  hi: number;
  count: number;
  meanConfidence: number | null;
  /** Observed helpful rate in the bin, with its 95% Wilson interval. */
  helpfulRate: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface CalibrationStats {
  /** Rated answers with a stated confidence. */
  n: number;
  /** Expected calibration error over the 10 bins (count-weighted |mean confidence − helpful rate|). */
  ece: number | null;
  /** Mean of (confidence − outcome)², outcome 1 for helpful, 0 for not helpful. */
  brier: number | null;
  /** Share of "High confidence" answers (site threshold) rated Not helpful. */
  falseConfidentRate: number | null;
  highAnswers: number;
}

export interface Calibration extends CalibrationStats {
  bins: CalibrationBin[];
  /** The site's "High confidence" threshold used for the false-confident rate. */
  highThreshold: number;
  /** The groups with the most rated answers, at most 10 of each (`topicCount` and `releaseCount` say how many there are). */
  byTopic: ({ topic: string | null } & CalibrationStats)[];
  byRelease: ({ release: string | null } & CalibrationStats)[];
  /** Topics (no topic counts as one) and releases with rated answers in the range. */
  topicCount: number;
  releaseCount: number;
}

// ---- cases

export const CONFIDENCE_BANDS = ['high', 'medium', 'low', 'none'] as const;
export type ConfidenceBand = (typeof CONFIDENCE_BANDS)[number];
export const LABEL_SOURCES = ['auto', 'human', 'none'] as const;

export const caseFilterInput = reviewRangeInput.extend({
  mode: z.enum(FAILURE_MODE_IDS).optional(),
  topic: z.string().overwrite(cleanText).max(200).optional(),
  /** `negative`: Not helpful or escalation or agent_was_wrong; `helpful` / `not_helpful`: the rating. */
  rating: z.enum(['helpful', 'not_helpful', 'negative']).optional(),
  /** By the site's badge thresholds; `none`: no stated confidence. */
  confidenceBand: z.enum(CONFIDENCE_BANDS).optional(),
  release: z.string().overwrite(cleanText).max(200).optional(),
  model: z.string().overwrite(cleanText).max(200).optional(),
  escalated: z.boolean().optional(),
  /** `human`: a reviewer labelled it; `auto`: classified, not yet labelled; `none`: not classified. */
  labelSource: z.enum(LABEL_SOURCES).optional(),
});
export type CaseFilter = z.infer<typeof caseFilterInput>;

export const caseListInput = caseFilterInput.extend({
  /** Opaque keyset cursor from the previous page's `nextCursor`. */
  cursor: z.string().overwrite(cleanText).max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export interface CaseListItem {
  id: string;
  source: 'feedback' | 'escalation';
  occurredAt: string;
  conversationId: string;
  rating: 1 | -1 | null;
  reasons: string[];
  confidence: number | null;
  topic: string | null;
  release: string | null;
  model: string | null;
  escalated: boolean;
  outcome: EscalationOutcome | null;
  negative: boolean;
  /** The mode Review counts (human label, else automatic). */
  mode: FailureMode | null;
  autoMode: FailureMode | null;
  humanMode: FailureMode | null;
  rationale: string | null;
  traceId: string | null;
  /** The start of the user's question this answer replied to (for scanning the list). */
  inputPreview: string | null;
}

export interface CaseList {
  items: CaseListItem[];
  nextCursor: string | null;
}

export const caseDetailInput = z.object({ caseId: uuid });

export interface SpanView {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** Milliseconds from the trace's start. */
  startOffsetMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage: string | null;
  operation: string | null;
  model: string | null;
  toolName: string | null;
  errorType: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  attributes: Record<string, unknown>;
  events: SpanEvent[];
}

export interface TranscriptEntry {
  id: string;
  role: 'user' | 'agent' | 'human';
  text: string;
  sentAt: string;
  confidence: number | null;
  traceId: string | null;
  /** The answer's topic, which picks its calibrated badge thresholds. */
  topic: string | null;
  /** Whether this is the answer the case is about. */
  isCaseAnswer: boolean;
  staffName: string | null;
}

export interface CaseDetail {
  case: CaseListItem & {
    comment: string | null;
    autoModes: CaseModeVerdict[];
    autoConfidence: number | null;
    evidenceSpanId: string | null;
    humanNote: string | null;
    labelledBy: string | null;
    /** The labeller's display name (else email); null when nobody labelled it or their account is gone. */
    labelledByName: string | null;
    labelledAt: string | null;
    siteId: string;
    /** The user rated this answer again later: Review counts that newer rating (its case: supersededBy) instead. */
    superseded: boolean;
    supersededBy: string | null;
  };
  transcript: TranscriptEntry[];
  /**
   * The badge thresholds the widget uses on this site: site-wide, and per topic when badges are calibrated
   * (an answer with such a topic shows that topic's), so the transcript shows the badges the user saw.
   */
  thresholds: BadgeThresholds & { byTopic: Record<string, BadgeThresholds> };
  escalation: { id: string; status: string; trigger: string; note: string | null; outcome: EscalationOutcome | null; createdAt: string } | null;
  /** Null when no span of the answer's trace has arrived (yet). */
  trace: { traceId: string; summary: TraceSummary; spans: SpanView[] } | null;
}

export const labelCaseInput = z.object({
  caseId: uuid,
  /** Null takes the reviewer's label (and note) away: the automatic label counts again. */
  mode: z.enum(FAILURE_MODE_IDS).nullable(),
  note: z.string().overwrite(cleanText).max(2000).optional(),
});

// ---- alerts

/**
 * Alerts whose window overlaps the range, newest first, at most 500 a page; `before` (the last alert of the
 * previous page) asks for the next, older page.
 */
export const alertListInput = reviewRangeInput.extend({
  before: z.object({ windowStart: isoTime, id: uuid }).optional(),
});

/**
 * An alert is an incident: consecutive hours in which one rate of a site (or topic) stayed clearly above its
 * baseline. `metric` ids are stable; `negative_rate` is the Not-helpful rate (Not helpful ratings / ratings).
 */
export interface ReviewAlert {
  id: string;
  metric: 'negative_rate' | 'escalation_rate';
  /** Null for the whole site. */
  topic: string | null;
  /** Start of the first alerting hour. */
  windowStart: string;
  /** End of the last alerting hour (so far): the incident lasted (windowEnd − windowStart) hours. */
  windowEnd: string;
  /** The observed and baseline figures of the incident's latest hour. */
  observedCount: number;
  observedTotal: number;
  observedRate: number;
  baselineRate: number;
  baselineTotal: number;
  message: string;
  createdAt: string;
}

// ---- filters

export const filterOptionsInput = z.object({ siteId: uuid });

/** Values seen on the site's cases, for the filter menus. */
export interface FilterOptions {
  topics: string[];
  releases: string[];
  models: string[];
}

// ---- export

/** One line of the eval dataset (JSONL) or one row (CSV, nested fields as JSON). */
export interface EvalCase {
  caseId: string;
  siteId: string;
  occurredAt: string;
  /** `draft`: an answer held for human review and edited or rejected, with no rating or escalation of its own. */
  source: 'feedback' | 'escalation' | 'draft';
  /** The user's message the answer replied to. */
  input: string | null;
  /** Earlier turns, oldest first, for context. */
  history: { role: 'user' | 'agent' | 'human'; text: string }[];
  answer: string | null;
  confidence: number | null;
  topic: string | null;
  rating: 1 | -1 | null;
  reasons: string[];
  comment: string | null;
  /** Every automatic mode that applied, primary first; `confidence` (0–1) is how sure the rule was (null when none was recorded). */
  failureModes: { mode: FailureMode; rationale: string; confidence: number | null }[];
  autoMode: FailureMode | null;
  humanLabel: FailureMode | null;
  /** The reviewer's note with the label. */
  humanNote: string | null;
  /** What a support agent said instead: the first staff message after this answer and before the agent's next one. */
  humanCorrection: string | null;
  outcome: EscalationOutcome | null;
  trace: { traceId: string; model: string | null; inputTokens: number; outputTokens: number; tools: { name: string; status: string; error: string | null; attempts: number }[] } | null;
  /**
   * A reviewer's correction of a draft under human review: `edited` (the text shown instead of `answer`)
   * or `rejected` (the replacement the user saw); `by` is the reviewer's email. Null for answers shown as
   * the agent wrote them (approved drafts included).
   */
  correction: { status: 'edited' | 'rejected'; text: string; by: string | null; at: string } | null;
}
