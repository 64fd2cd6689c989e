/**
 * zod schemas of everything that crosses the wire. The server uses them in `.input(...)`; clients use
 * only their types (`import type`), which keeps zod out of the widget bundle.
 */
import { z } from 'zod';
import { FEEDBACK_REASON_IDS, MAX_FEEDBACK_COMMENT } from './feedback';
import { MAX_MESSAGE_TEXT } from './limits';
import { ESCALATION_TRIGGERS, MAX_ESCALATION_NOTE, type HandoffAvailability } from './handoff';

const shortText = (max: number) => z.string().min(1).max(max);
const httpUrl = z.string().max(2000).regex(/^https?:\/\//i, 'must be an http(s) URL');

/** Mirrors `checkAgentAnswer` in agent-answer.ts; a unit test keeps the two in agreement. */
export const agentAnswerSchema = z.object({
  id: shortText(200),
  text: z.string().max(MAX_MESSAGE_TEXT),
  confidence: z.number().min(0).max(1),
  traceId: shortText(200).optional(),
  spanId: shortText(200).optional(),
  topic: shortText(200).optional(),
  sources: z.array(z.object({ title: shortText(500), url: httpUrl })).max(20).optional(),
});

export const badgeThresholdsSchema = z
  .object({ high: z.number().min(0).max(1), low: z.number().min(0).max(1) })
  .refine((t) => t.low <= t.high, { message: 'low must not be above high', path: ['low'] });

/** A site's widget policy: badge thresholds and the texts and theme the widget shows. */
export const sitePolicySchema = z.object({
  thresholds: badgeThresholdsSchema,
  title: shortText(80),
  greeting: z.string().max(500),
  primaryColor: z.string().regex(/^#[0-9a-fA-F]{3,8}$/, 'must be a hex colour like #2563eb').optional(),
});
export type SitePolicy = z.infer<typeof sitePolicySchema>;

const uuid = z.uuid();
const isoTime = z.iso.datetime({ offset: true });

const signalBase = {
  clientEventId: uuid,
  conversationId: uuid,
  conversationToken: z.string().min(16).max(200),
  createdAt: isoTime,
};

/** A user or agent message, recorded as it is shown. */
export const messageSignalSchema = z.object({
  kind: z.literal('message'),
  ...signalBase,
  role: z.enum(['user', 'agent']),
  text: z.string().max(MAX_MESSAGE_TEXT),
  /** Present on agent messages: what the agent said about its answer. */
  answer: agentAnswerSchema.omit({ text: true }).optional(),
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
    comment: z.string().max(MAX_FEEDBACK_COMMENT).optional(),
    pageUrl: z.string().max(2000).optional(),
  })
  .refine((f) => f.rating === -1 || f.reasons.length === 0, { message: 'reasons are only given with a negative rating', path: ['reasons'] });
export type FeedbackSignal = z.infer<typeof feedbackSignalSchema>;

/** A request for a person. A second request while one is open joins it. */
export const escalationSignalSchema = z.object({
  kind: z.literal('escalation'),
  ...signalBase,
  trigger: z.enum(ESCALATION_TRIGGERS),
  note: z.string().max(MAX_ESCALATION_NOTE).optional(),
  contactEmail: z.email().max(200).optional(),
  pageUrl: z.string().max(2000).optional(),
  /** What the host page said about the user (`Backstop('identify', …)`); shown to staff as unverified. */
  identity: z.record(z.string().max(100), z.string().max(500)).refine((r) => Object.keys(r).length <= 20, 'at most 20 fields').optional(),
});
export type EscalationSignal = z.infer<typeof escalationSignalSchema>;

export const signalSchema = z.discriminatedUnion("kind", [messageSignalSchema, feedbackSignalSchema, escalationSignalSchema]);
export type Signal = z.infer<typeof signalSchema>;

/** A batch the outbox sends; `dropped` reports feedback the widget had to drop past its cap. */
export const signalBatchInput = z.object({
  items: z.array(signalSchema).min(1),
  dropped: z.object({ feedback: z.number().int().min(0).max(1_000_000) }).optional(),
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
  policy: SitePolicy;
  /** Whether a person can answer a handoff now. */
  handoff?: HandoffAvailability;
}
