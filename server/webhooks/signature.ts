/** The signature scheme of webhook deliveries (documented for receivers in the README). */
import { createHmac } from 'node:crypto';

/** `v1=` + hex HMAC-SHA256 over `${timestamp}.${body}` with the site's webhook secret. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
