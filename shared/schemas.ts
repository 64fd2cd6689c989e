/**
 * zod schemas of everything that crosses the wire. The server uses them in `.input(...)`; clients use
 * only their types (`import type`), which keeps zod out of the widget bundle.
 */
import { z } from 'zod';
import { FEEDBACK_REASON_IDS, MAX_FEEDBACK_COMMENT } from './feedback';
import { answerTooLarge, MAX_HANDOFF_REASON, withTraceRef } from './agent-answer';
import { fitsInSignal, jsonBytes, MAX_MESSAGE_TEXT } from './limits';
import { cleanConfidence, cleanText } from './normalise';
import { ESCALATION_TRIGGERS, MAX_ESCALATION_NOTE, type HandoffAvailability } from './handoff';

/** Any string, normalised for storage (see normalise.ts) before its other checks run. */
const storable = () => z.string().overwrite(cleanText);
const shortText = (max: number) => storable().min(1).max(max);
const httpUrl = storable().max(2000).regex(/^https?:\/\//i, 'must be an http(s) URL');
const confidence = z.number().min(0).max(1).overwrite(cleanConfidence);

const agentAnswerShape = z.object({
  id: shortText(200),
  text: storable().max(MAX_MESSAGE_TEXT),
  confidence,
  /** Hex, a UUID or a W3C traceparent is normalised by withTraceRef (the answer schemas below), as checkAgentAnswer does. */
  traceId: shortText(200).optional(),
  spanId: shortText(200).optional(),
  topic: shortText(200).optional(),
  sources: z.array(z.object({ title: shortText(500), url: httpUrl })).max(20).optional(),
  handoff: z.object({ reason: shortText(MAX_HANDOFF_REASON) }).optional(),
});

/** Mirrors `checkAgentAnswer` in agent-answer.ts; a unit test keeps the two in agreement. */
export const agentAnswerSchema = agentAnswerShape.transform(withTraceRef).superRefine((answer, ctx) => {
  if (!fitsInSignal(answer)) ctx.addIssue({ code: 'custom', path: ['text'], message: answerTooLarge(jsonBytes(answer)) });
});

export const badgeThresholdsSchema = z
  .object({ high: z.number().min(0).max(1), low: z.number().min(0).max(1) })
  .refine((t) => t.low <= t.high, { message: 'low must not be above high', path: ['low'] });

/** A site's widget policy: badge thresholds and the texts and theme the widget shows. */
export const sitePolicySchema = z.object({
  thresholds: badgeThresholdsSchema,
  title: shortText(80),
  greeting: storable().max(500),
  primaryColor: z.string().regex(/^#[0-9a-fA-F]{3,8}$/, 'must be a hex colour like #2563eb').optional(),
});
export type SitePolicy = z.infer<typeof sitePolicySchema>;

const uuid = z.uuid();
/** Earliest and latest times a signal may carry: wider than any working clock, narrower than what the databases store. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const inRange = (t: number) => t >= EARLIEST && t <= LATEST;
/** An ISO time with offset (zod checks the calendar), from 1970 to 9999 in UTC, stored to the millisecond as `…Z`. */
const isoTime = z.iso
  .datetime({ offset: true })
  .refine((s) => inRange(Date.parse(s)), 'must be a time between 1970-01-01 and 9999-12-31 (UTC)')
  .overwrite((s) => (inRange(Date.parse(s)) ? new Date(Date.parse(s)).toISOString() : s));

const signalBase = {
  clientEventId: uuid,
  conversationId: uuid,
  conversationToken: z.string().min(16).max(200),
  createdAt: isoTime,
};

/**
 * A user or agent message, recorded as it is shown. The size of a whole signal (MAX_SIGNAL_BYTES, measured
 * on the parsed item as the outbox measures it) is checked per batch by the server's `checkBatchLimits`.
 */
export const messageSignalSchema = z
  .object({
    kind: z.literal('message'),
    ...signalBase,
    role: z.enum(['user', 'agent']),
    text: storable().max(MAX_MESSAGE_TEXT),
    /** Present on agent messages: what the agent said about its answer. */
    answer: agentAnswerShape.omit({ text: true }).transform(withTraceRef).optional(),
    /** Set when the agent failed instead of answering (timeout, bad answer, HTTP error). */
    error: z.enum(['agent_timeout', 'agent_error', 'agent_bad_answer']).optional(),
  });
export type MessageSignal = z.infer<typeof messageSignalSchema>;

/** A rating of an agent message; the newest per message counts, older ones are history. */
export const feedbackSignalSchema = z
  .object({
    kind: z.literal('feedback'),
    ...signalBase,
    /** The clientEventId of the rated agent message. */
    messageId: uuid,
    rating: z.union([z.literal(1), z.literal(-1)]),
    reasons: z.array(z.enum(FEEDBACK_REASON_IDS)).max(FEEDBACK_REASON_IDS.length).default([]),
    comment: storable().max(MAX_FEEDBACK_COMMENT).optional(),
    pageUrl: storable().max(2000).optional(),
  })
  .refine((f) => f.rating === -1 || f.reasons.length === 0, { message: 'reasons are only given with a negative rating', path: ['reasons'] });
export type FeedbackSignal = z.infer<typeof feedbackSignalSchema>;

/** A request for a person. A second request while one is open joins it. */
export const escalationSignalSchema = z.object({
  kind: z.literal('escalation'),
  ...signalBase,
  trigger: z.enum(ESCALATION_TRIGGERS),
  note: storable().max(MAX_ESCALATION_NOTE).optional(),
  contactEmail: z.email().max(200).optional(),
  pageUrl: storable().max(2000).optional(),
  /** What the host page said about the user (`Backstop('identify', …)`); shown to staff as unverified. */
  identity: z.record(storable().max(100), storable().max(500)).refine((r) => Object.keys(r).length <= 20, 'at most 20 fields').optional(),
});
export type EscalationSignal = z.infer<typeof escalationSignalSchema>;

export const signalSchema = z.discriminatedUnion("kind", [messageSignalSchema, feedbackSignalSchema, escalationSignalSchema]);
export type Signal = z.infer<typeof signalSchema>;

/**
 * A batch the outbox sends; `dropped` reports feedback the widget had to drop past its cap. `reportId`
 * stays the same when the batch is retried, so the server counts a report once (optional: widgets
 * cached from before it was added send none, and each of their reports counts).
 */
export const signalBatchInput = z.object({
  items: z.array(signalSchema).min(1),
  dropped: z.object({ feedback: z.number().int().min(0).max(1_000_000), reportId: uuid.optional() }).optional(),
});
export type SignalBatch = z.infer<typeof signalBatchInput>;

/** What the server says about each stored signal: new, or a replay of one already stored. */
export interface SignalResult {
  clientEventId: string;
  status: 'stored' | 'duplicate';
}

/** What the widget learns about its site at start. */
export interface SiteConfig {
  siteId: string;
  name: string;
  /** `policy.thresholds` are the site-wide badge thresholds in force (the fixed ones, or the calibrated ones when the site uses calibrated badges). */
  policy: SitePolicy;
  /** Badge thresholds fitted for single topics (calibrated badges, where a topic has enough data); others use `policy.thresholds`. */
  topicThresholds?: Record<string, { high: number; low: number }>;
  /** The trust framework's autonomy per topic; answers of other topics (or none) get `defaultAutonomy`. */
  autonomy?: { defaultAutonomy: 'auto' | 'suggest_handoff' | 'human_review'; topics: Record<string, 'auto' | 'suggest_handoff' | 'human_review'> };
  /** Whether a person can answer a handoff now. */
  handoff?: HandoffAvailability;
}
