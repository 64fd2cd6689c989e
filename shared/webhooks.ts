/**
 * Site webhooks as admins and receivers see them: the events, the headers of a delivery, the admin
 * procedures' inputs and the status they read back.
 */
import { z } from 'zod';

/** Events a site's webhook receives (every one of them: there is no per-event filter). */
export const WEBHOOK_EVENTS = ['escalation.created', 'escalation.resolved', 'alert.raised'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`, keyed with the site's webhook secret. */
export const SIGNATURE_HEADER = 'x-backstop-signature';
/** Unix seconds when the attempt was signed; receivers should refuse old ones (replays). */
export const TIMESTAMP_HEADER = 'x-backstop-timestamp';
/** The delivery id: the same on every retry of one delivery, so receivers can drop repeats. */
export const DELIVERY_HEADER = 'x-backstop-delivery';
export const EVENT_HEADER = 'x-backstop-event';

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL = 2000;

/** Why a webhook URL is refused, or null when it is a usable http(s) URL. */
export function webhookUrlProblem(url: string): string | null {
  if (url.length > MAX_WEBHOOK_URL) return `must be at most ${MAX_WEBHOOK_URL} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL like https://example.com/hooks/backstop';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `must start with https:// or http:// (got ${parsed.protocol})`;
  if (parsed.username || parsed.password) return 'must not contain a user name or password; the signature authenticates the sender';
  return null;
}

const webhookUrl = z.string().trim().superRefine((url, ctx) => {
  const problem = webhookUrlProblem(url);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Sets a site's webhook, or with `url: null` removes it. A secret is generated when there is none or on `rotateSecret`. */
export const setWebhookInput = z.object({ siteId: z.uuid(), url: webhookUrl.nullable(), rotateSecret: z.boolean().optional() });
export const webhookStatusInput = z.object({ siteId: z.uuid() });

/** What `site.setWebhook` answers: the secret only when it was just generated (shown once). */
export interface SetWebhookResult {
  url: string | null;
  secret: string | null;
}

export interface WebhookDeliveryStatus {
  id: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastAttemptAt: string | null;
  /** The receiver's HTTP status on the last attempt (null: no answer, see lastError). */
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** A site's webhook as admins see it: where it points and how its deliveries are going. */
export interface WebhookStatus {
  url: string | null;
  pending: number;
  failed: number;
  /** The most recent delivery (null when none was made yet). */
  last: WebhookDeliveryStatus | null;
}
