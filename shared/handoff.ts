/**
 * Wire shapes of live handoff: escalation enums, staff procedure inputs, the events the widget and the
 * Inbox receive, and site hours. Types are imported by the clients; the zod schemas run on the server.
 */
import { z } from 'zod';
import { MAX_MESSAGE_TEXT } from './limits';
import { cleanText } from './normalise';

export const ESCALATION_TRIGGERS = ['user', 'low_confidence', 'agent', 'repeated_negative'] as const;
export type EscalationTrigger = (typeof ESCALATION_TRIGGERS)[number];
export const ESCALATION_STATUSES = ['queued', 'claimed', 'resolved'] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];
export const ESCALATION_OUTCOMES = ['resolved', 'agent_was_right', 'agent_was_wrong', 'no_response'] as const;
export type EscalationOutcome = (typeof ESCALATION_OUTCOMES)[number];
/** Longest user note on a request for a person, and longest internal note. */
export const MAX_ESCALATION_NOTE = 2000;

const uuid = z.uuid();
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 09:00');

/** When a site's support is staffed: weekdays (0 = Sunday) between two local times in a time zone. */
export const siteHoursSchema = z
  .object({
    timeZone: z.string().min(1).max(64).refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone like Europe/Berlin'),
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7),
    open: hhmm,
    close: hhmm,
  })
  .refine((h) => h.open < h.close, { message: 'close must be after open', path: ['close'] });
export type SiteHours = z.infer<typeof siteHoursSchema>;

/** Whether a person can answer now; the widget asks for an email when nobody can. */
export interface HandoffAvailability {
  nobodyOnline: boolean;
  /** Why nobody is online, when nobody is. */
  reason?: 'no_staff' | 'outside_hours';
}

// ---- staff sign-in

// Staff text is stored like end users' text: normalised first (see normalise.ts), so no input can be unstorable.
export const loginInput = z.object({ email: z.string().overwrite(cleanText).min(1).max(200), password: z.string().min(1).max(200) });

/** The signed-in staff member as the console sees it. */
export interface StaffMe {
  id: string;
  email: string;
  displayName: string;
  role: 'admin' | 'agent' | 'reviewer';
  sites: { id: string; name: string }[];
}

// ---- escalation procedures

export const ESCALATION_FILTERS = ['queued', 'mine', 'open', 'resolved'] as const;
export type EscalationFilter = (typeof ESCALATION_FILTERS)[number];

export const escalationListInput = z.object({
  filter: z.enum(ESCALATION_FILTERS).default('open'),
  /** Limit to one site (must be one of the staff member's). */
  siteId: uuid.optional(),
  limit: z.number().int().min(1).max(200).default(100),
});
export const escalationIdInput = z.object({ escalationId: uuid });
export const escalationTransferInput = escalationIdInput.extend({ toStaffId: uuid });
export const escalationReplyInput = escalationIdInput.extend({
  text: z.string().overwrite(cleanText).trim().min(1, 'must not be empty').max(MAX_MESSAGE_TEXT),
  /** Client-made id so that a retried send stores one reply. */
  clientEventId: uuid.optional(),
});
export const escalationNoteInput = escalationIdInput.extend({ text: z.string().overwrite(cleanText).trim().min(1, 'must not be empty').max(MAX_ESCALATION_NOTE) });
export const escalationResolveInput = escalationIdInput.extend({ outcome: z.enum(ESCALATION_OUTCOMES) });
export const siteHoursInput = z.object({ siteId: uuid, hours: siteHoursSchema.nullable() });

/** `lastEventId` is filled in by httpSubscriptionLink on reconnect (tracked ids). */
export const inboxSubscriptionInput = z.object({ lastEventId: z.string().regex(/^\d{1,18}$/).nullish() }).default({});

// ---- widget-side conversation access (token never in a URL)

export const conversationAccessInput = z.object({ conversationId: uuid, conversationToken: z.string().min(16).max(200) });
/**
 * The ticket may come in the input or in `connectionParams.ticket`. httpSubscriptionLink re-reads
 * connectionParams (an async function) on every reconnect but reuses the input, so a long-lived widget
 * should fetch a fresh ticket there: a ticket in the input stops working for reconnects after it expires.
 */
export const conversationEventsInput = z
  .object({ ticket: z.string().min(20).max(300).optional(), lastEventId: z.string().regex(/^\d{1,18}$/).nullish() })
  .default({});

// ---- events

/** Event types. Only those with audience `widget` ever reach the widget. */
export type HandoffEventType =
  | 'escalation.created'
  | 'escalation.joined'
  | 'escalation.claimed'
  | 'escalation.unclaimed'
  | 'escalation.transferred'
  | 'escalation.resolved'
  | 'escalation.note'
  | 'message.user'
  | 'message.human'
  /** An answer held for human review (staff only: no text). */
  | 'draft.created'
  /** The text the user sees for a held answer, after the decision (the widget replaces its checking state). */
  | 'draft.decided'
  /** A draft left the review queue: who decided and how (staff only). */
  | 'draft.closed';

/** One entry of the event log, as subscribers receive it (the tracked id is `String(id)`). */
export interface HandoffEvent {
  id: number;
  siteId: string;
  conversationId: string | null;
  escalationId: string | null;
  type: HandoffEventType;
  audience: 'widget' | 'staff';
  payload: Record<string, unknown>;
  createdAt: string;
}
