/**
 * The webhook outbox: a delivery is enqueued in the transaction of the change it reports, so it exists
 * exactly when the change is committed. Sending is the worker's job (worker.ts), never the request's.
 */
import { eq } from 'drizzle-orm';
import type { WebhookEvent } from '../../shared/webhooks';
import type { Db } from '../db/client';
import { siteWebhooks, webhookDeliveries } from '../db/schema';

/** Enqueues `event` for the site's webhook, if it has one; returns the delivery id (null: no webhook). */
export async function enqueueWebhook(tx: Db, siteId: string, event: WebhookEvent, data: Record<string, unknown>): Promise<string | null> {
  const [hook] = await tx.select({ siteId: siteWebhooks.siteId }).from(siteWebhooks).where(eq(siteWebhooks.siteId, siteId));
  if (!hook) return null;
  const id = crypto.randomUUID();
  const body = JSON.stringify({ id, type: event, createdAt: new Date().toISOString(), siteId, data });
  await tx.insert(webhookDeliveries).values({ id, siteId, event, body });
  return id;
}
