/**
 * The trust framework's wire schemas and settings: topics with failure cost and autonomy, drafts held for
 * human review, track record, calibrated badges and production readiness. zod schemas for the server's
 * inputs; the console, CLI and widget import types only.
 */
import { z } from 'zod';
import { cleanText } from './normalise';
import { AUTONOMY_LEVELS, FAILURE_COSTS, type Autonomy, type DraftStatus, type FailureCost } from './trust-levels';

export { AUTONOMY_LABELS, AUTONOMY_LEVELS, DRAFT_STATUSES, FAILURE_COSTS, type Autonomy, type DraftStatus, type FailureCost } from './trust-levels';

/** A topic's name as the agent sends it (`AgentAnswer.topic`, `backstop.topic`): trimmed, 1–200 characters. */
export const topicName = z.string().overwrite(cleanText).trim().min(1, 'give the topic a name').max(200, 'must be at most 200 characters');

export interface TopicPolicy {
  name: string;
  failureCost: FailureCost | null;
  autonomy: Autonomy;
  criterion: string | null;
  updatedBy: string | null;
  updatedAt: string;
}

export const topicListInput = z.object({ siteId: z.uuid() });

export const topicSetInput = z.object({
  siteId: z.uuid(),
  name: topicName,
  failureCost: z.enum(FAILURE_COSTS).optional(),
  autonomy: z.enum(AUTONOMY_LEVELS).optional(),
  criterion: z.string().overwrite(cleanText).trim().max(300, 'must be at most 300 characters').optional(),
  /** Why (recorded in the audit log); the Track record's "apply" sends the recommendation's text. */
  reason: z.string().overwrite(cleanText).trim().max(1000).optional(),
});
export type TopicSetInput = z.infer<typeof topicSetInput>;

/**
 * The site's trust settings. Every field has a documented default, so a site that never changed them
 * (the stored object is `{}`) behaves as described here.
 */
export const trustSettingsSchema = z.object({
  /** The autonomy of answers whose topic is missing or not defined. */
  defaultAutonomy: z.enum(AUTONOMY_LEVELS).default('auto'),
  /** Step up: at least this many reviewed decisions (or rated answers) in the window… */
  stepUpMinDecisions: z.number().int().min(10).max(100_000).default(200),
  /** …and the 95% lower bound of the approval (or helpful) rate at least this. */
  stepUpLowerBound: z.number().min(0.5).max(1).default(0.95),
  /** Step down: the recent window compared with the record before it. */
  stepDownWindowDays: z.number().int().min(1).max(90).default(7),
  /** The track record's window. */
  recordWindowDays: z.number().int().min(7).max(365).default(90),
  /** Rubber-stamp guard: an approval faster than this many ms per 100 characters of the draft (plus `minReadMs`) is not a real review. */
  readMsPer100Chars: z.number().int().min(0).max(60_000).default(1500),
  minReadMs: z.number().int().min(0).max(60_000).default(2000),
  /** Badges: `fixed` uses the policy's thresholds; `calibrated` fits them from outcomes. */
  badgeMode: z.enum(['fixed', 'calibrated']).default('fixed'),
  /** Calibrated badges: "High confidence" means an observed helpful rate of at least this… */
  calibrationTarget: z.number().min(0.5).max(0.999).default(0.9),
  /** …with this one-sided statistical confidence (Wilson lower bound). */
  calibrationConfidence: z.number().min(0.8).max(0.999).default(0.95),
  /** Rated answers needed before calibrated thresholds replace the fixed ones (per topic: the same). */
  calibrationMinSamples: z.number().int().min(20).max(100_000).default(200),
});
export type TrustSettings = z.infer<typeof trustSettingsSchema>;

/**
 * The stored (possibly partial, possibly older) settings with every default filled in, key by key: a stored
 * value that no longer validates falls back to its own default alone, never taking the others with it (a
 * `defaultAutonomy: 'human_review'` must not turn into `auto` because another key went out of range).
 */
export function trustSettingsOf(stored: unknown): TrustSettings {
  const values = stored && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(trustSettingsSchema.shape)) {
    if (Object.prototype.hasOwnProperty.call(values, key) && field.safeParse(values[key]).success) kept[key] = values[key];
  }
  return trustSettingsSchema.parse(kept);
}

/**
 * A partial change of the settings: only the keys given, unknown keys refused. (`.partial()` of the schema
 * would fill every default in, and merging that would reset settings the admin did not touch.)
 */
export const trustSettingsPatch = z.strictObject(
  Object.fromEntries(Object.entries(trustSettingsSchema.shape).map(([key, field]) => [key, field.unwrap().optional()])) as {
    [K in keyof typeof trustSettingsSchema.shape]: z.ZodOptional<ReturnType<(typeof trustSettingsSchema.shape)[K]['unwrap']>>;
  },
);

export const trustSettingsInput = z.object({
  siteId: z.uuid(),
  settings: trustSettingsPatch,
  /** Why (recorded in the audit log). */
  reason: z.string().overwrite(cleanText).trim().max(1000).optional(),
});

// ---- topics (settings, CLI, widget config)

/** A topic that answers carry but the site has not defined, with how many answers carried it (Settings: "Define"). */
export interface UndefinedTopic {
  name: string;
  answers: number;
  lastSeenAt: string;
}

export const undefinedTopicsInput = z.object({ siteId: z.uuid() });

// ---- calibrated badges

/** A fitted set of badge thresholds for the site ('' topic) or one topic, with the curve it came from. */
export interface BadgeFit {
  /** '' for the whole site. */
  topic: string;
  high: number;
  low: number;
  /** Rated answers the fit used. */
  samples: number;
  /** The monotone (isotonic) fit of helpful rate on stated confidence, low to high. */
  curve: { confidence: number; helpfulRate: number; n: number }[];
  fittedAt: string;
}

/** The badge settings and thresholds of a site as the console shows them. */
export interface BadgesState {
  siteId: string;
  mode: 'fixed' | 'calibrated';
  target: number;
  confidence: number;
  minSamples: number;
  /** The policy's fixed thresholds. */
  fixed: { high: number; low: number };
  /** What the widget uses site-wide now: the calibrated fit when calibrated and fitted, else the fixed ones. */
  inForce: { high: number; low: number };
  /** The stored site-wide fit, if any (kept when the mode is switched back to fixed). */
  site: BadgeFit | null;
  topics: BadgeFit[];
}

export const badgesGetInput = z.object({ siteId: z.uuid() });

/** A partial change of the badge settings (merged into `sites.trust`, other keys untouched). */
export const badgesSetInput = z
  .object({
    siteId: z.uuid(),
    badgeMode: z.enum(['fixed', 'calibrated']).optional(),
    calibrationTarget: z.number().min(0.5).max(0.999).optional(),
    calibrationConfidence: z.number().min(0.8).max(0.999).optional(),
    calibrationMinSamples: z.number().int().min(20).max(100_000).optional(),
    reason: z.string().overwrite(cleanText).trim().max(1000).optional(),
  })
  .refine((v) => v.badgeMode !== undefined || v.calibrationTarget !== undefined || v.calibrationConfidence !== undefined || v.calibrationMinSamples !== undefined, {
    message: 'give at least one setting to change',
    path: ['badgeMode'],
  });
export type BadgesSetInput = z.infer<typeof badgesSetInput>;

/** What a refit did: which scopes ('' = site-wide, else the topic) got new thresholds. */
export interface RefitResult {
  mode: 'fixed' | 'calibrated';
  /** Rated answers in the window. */
  samples: number;
  changed: string[];
  /** Scopes fitted but kept, because their thresholds moved less than the change step. */
  kept: string[];
}

// ---- production readiness

/** The seven checks, in the order of the reliability checklist. */
export const READINESS_CHECK_IDS = [
  'context_management',
  'tool_call_resilience',
  'instruction_clarity',
  'uncertainty_handling',
  'failure_cost_mapping',
  'observability',
  'security_posture',
] as const;
export type ReadinessCheckId = (typeof READINESS_CHECK_IDS)[number];
export type ReadinessStatus = 'pass' | 'warn' | 'fail';

export interface ReadinessCheck {
  id: ReadinessCheckId;
  title: string;
  status: ReadinessStatus;
  /** What the site's own data shows, in numbers. */
  evidence: string;
  /** What to do next (or what keeps it passing). */
  advice: string;
}

export interface ReadinessReport {
  siteId: string;
  windowDays: number;
  generatedAt: string;
  checks: ReadinessCheck[];
}

export const readinessInput = z.object({ siteId: z.uuid() });

// ---- track record and recommendations

/** A proportion with its 95% Wilson interval; `rate`, `low` and `high` are null when n = 0. */
export interface RateWithInterval {
  successes: number;
  n: number;
  rate: number | null;
  low: number | null;
  high: number | null;
}

/** One week of a topic's record (weeks counted back from the end of the window, oldest first). */
export interface TrackRecordWeek {
  /** Start of the 7-day bucket (ISO); the first bucket may be shorter than 7 days. */
  start: string;
  answers: number;
  helpful: number;
  rated: number;
  escalations: number;
  /** Drafts reviewed (decided, too-fast approvals left out) and, of them, approved unedited. */
  reviewed: number;
  reviewedApprovals: number;
}

/** A recommended change of a topic's autonomy, with the plain-words evidence. */
export interface TrustRecommendation {
  kind: 'step_up' | 'step_down';
  from: Autonomy;
  to: Autonomy;
  /** The sentence shown, and recorded as the reason when applied. */
  text: string;
}

/** The measured record of one topic (or of answers without a topic, or of the whole site). */
export interface TopicRecord {
  /** The topic's name; null for answers without a topic and for the site total. */
  topic: string | null;
  /** What to show: the name, "(no topic)" or "All topics". */
  label: string;
  scope: 'topic' | 'no_topic' | 'site';
  /** Whether the topic is defined in the site's policy (otherwise it runs under the default autonomy). */
  defined: boolean;
  autonomy: Autonomy | null;
  failureCost: FailureCost | null;
  criterion: string | null;
  /** Agent answers in the window. */
  volume: number;
  helpful: RateWithInterval;
  /** Approved unedited / decided drafts, counting every approval (raw). */
  approvedRaw: RateWithInterval;
  /** Approved unedited / decided drafts, leaving out approvals faster than a person can read (the rate recommendations use). */
  approvedReviewed: RateWithInterval;
  edited: RateWithInterval;
  rejected: RateWithInterval;
  /** Escalations / answers. */
  escalated: RateWithInterval;
  /** Escalations resolved as `agent_was_wrong` / escalations resolved with an outcome. */
  agentWasWrong: RateWithInterval;
  /** Approvals left out of `approvedReviewed` because they were faster than reading time. */
  tooFastApprovals: number;
  weeks: TrackRecordWeek[];
  recommendation: TrustRecommendation | null;
  /** Step-up progress or why not yet, in plain words (null for the site total). */
  status: string | null;
}

/** A reviewer's approvals measured against reading time. */
export interface ReviewerStamp {
  staffId: string;
  email: string;
  approvals: number;
  tooFast: number;
  /** More than half of at least 10 approvals were too fast. */
  flagged: boolean;
  /** e.g. "3 of maya@example.com's 40 approvals took under a second: not counted as reviewed". */
  note: string;
}

export interface TrackRecord {
  siteId: string;
  from: string;
  to: string;
  windowDays: number;
  settings: Pick<TrustSettings, 'stepUpMinDecisions' | 'stepUpLowerBound' | 'stepDownWindowDays' | 'recordWindowDays' | 'readMsPer100Chars' | 'minReadMs'>;
  total: TopicRecord;
  /** Defined topics and topics seen in answers, then "(no topic)" when there are such answers. */
  topics: TopicRecord[];
  reviewers: ReviewerStamp[];
}

export const trackRecordInput = z.object({ siteId: z.uuid() });

export const applyRecommendationInput = z.object({
  siteId: z.uuid(),
  topic: topicName,
  /** The autonomy the admin saw recommended; refused when the recomputed recommendation differs. */
  autonomy: z.enum(AUTONOMY_LEVELS),
});

// ---- drafts (human_review)

/**
 * Decisions on a draft. `approve` shows the agent's text as it is; `edit` shows the reviewer's text
 * instead; `reject` shows a replacement the reviewer writes (their own answer, or a sentence offering a
 * person): a rejection always gives the user an answer, never a silent gap.
 */
export const DRAFT_DECISIONS = ['approve', 'edit', 'reject'] as const;
export type DraftDecision = (typeof DRAFT_DECISIONS)[number];

/** The text a decision shows the user (an edit or a replacement): same limit as any message. */
const draftText = z.string().overwrite(cleanText).trim().min(1, 'write the answer the user should see').max(8000, 'must be at most 8000 characters');

export const draftListInput = z.object({
  /** Limit to one site (must be one of the staff member's). */
  siteId: z.uuid().optional(),
  limit: z.number().int().min(1).max(200).default(100),
});
export const draftIdInput = z.object({ draftId: z.uuid() });
export const draftEditInput = draftIdInput.extend({ text: draftText });
export const draftRejectInput = draftIdInput.extend({ text: draftText });

/** One pending draft as the Inbox shows it. */
export interface PendingDraft {
  id: string;
  siteId: string;
  siteName: string;
  conversationId: string;
  topic: string | null;
  confidence: number | null;
  traceId: string | null;
  /** The answer's review case, if it has one (its page shows the trace). */
  caseId: string | null;
  /** The user's message the answer replies to (the last one before it), if any. */
  question: string | null;
  /** The agent's text, which the user has not seen. */
  text: string;
  createdAt: string;
  openedAt: string | null;
  /** How long the user has been waiting for this answer. */
  waitingMs: number;
}

export interface DraftList {
  items: PendingDraft[];
  /** Pending drafts of the listed sites (may exceed `items.length`). */
  pending: number;
  /** Follow the Inbox stream after this id to miss nothing after this snapshot. */
  lastEventId: string;
}

/** The outcome of a decision. */
export interface DraftDecided {
  id: string;
  status: Exclude<DraftStatus, 'pending'>;
  finalText: string;
  decidedAt: string;
  openMs: number;
}
