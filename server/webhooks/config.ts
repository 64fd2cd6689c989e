/** A site's webhook settings and the status admins read back. */
import { and, count, desc, eq } from 'drizzle-orm';
import { webhookUrlProblem, type SetWebhookResult, type WebhookStatus } from '../../shared/webhooks';
import type { Db } from '../db/client';
import { siteWebhooks, sites, webhookDeliveries } from '../db/schema';
import { FieldError } from '../domain/errors';
import { randomToken } from '../domain/secrets';

/** A new webhook secret (`whsec_` + 32 random bytes). */
export const newWebhookSecret = () => `whsec_${randomToken(32)}`;

/**
 * Sets the site's webhook URL (null removes it and drops its pending deliveries). The secret is kept when
 * the URL changes, so a receiver keeps verifying; a new one is generated on first set or `rotateSecret`.
 */
export async function setSiteWebhook(db: Db, siteId: string, url: string | null, opts: { rotateSecret?: boolean } = {}): Promise<SetWebhookResult> {
  const problem = url === null ? null : webhookUrlProblem(url);
  if (problem) throw new FieldError('BAD_REQUEST', `Webhook URL ${problem}.`, { url: problem });
  return db.transaction(async (tx) => {
    const [site] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId));
    if (!site) throw new FieldError('NOT_FOUND', `No site with id '${siteId}'.`);
    if (url === null) {
      await tx.delete(siteWebhooks).where(eq(siteWebhooks.siteId, siteId));
      await tx
        .update(webhookDeliveries)
        .set({ status: 'failed', lastError: 'webhook removed before delivery' })
        .where(and(eq(webhookDeliveries.siteId, siteId), eq(webhookDeliveries.status, 'pending')));
      return { url: null, secret: null };
    }
    const [existing] = await tx.select().from(siteWebhooks).where(eq(siteWebhooks.siteId, siteId));
    const secret = !existing || opts.rotateSecret ? newWebhookSecret() : null;
    await tx
      .insert(siteWebhooks)
      .values({ siteId, url, secret: secret ?? existing!.secret })
      .onConflictDoUpdate({ target: siteWebhooks.siteId, set: { url, secret: secret ?? existing!.secret, updatedAt: new Date() } });
    return { url, secret };
  });
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Where the site's webhook points, how many deliveries wait or gave up, and the latest one. */
export async function webhookStatus(db: Db, siteId: string): Promise<WebhookStatus> {
  const [hook] = await db.select({ url: siteWebhooks.url }).from(siteWebhooks).where(eq(siteWebhooks.siteId, siteId));
  const counts = await db
    .select({ status: webhookDeliveries.status, n: count() })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.siteId, siteId))
    .groupBy(webhookDeliveries.status);
  const [last] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.siteId, siteId)).orderBy(desc(webhookDeliveries.createdAt)).limit(1);
  const n = (status: string) => counts.find((c) => c.status === status)?.n ?? 0;
  return {
    url: hook?.url ?? null,
    pending: n('pending'),
    failed: n('failed'),
    last: last
      ? {
          id: last.id,
          event: last.event,
          status: last.status,
          attempts: last.attempts,
          lastAttemptAt: iso(last.lastAttemptAt),
          lastStatusCode: last.lastStatusCode,
          lastError: last.lastError,
          nextAttemptAt: last.status === 'pending' ? iso(last.nextAttemptAt) : null,
          deliveredAt: iso(last.deliveredAt),
          createdAt: last.createdAt.toISOString(),
        }
      : null,
  };
}
