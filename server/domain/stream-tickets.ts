/**
 * Short-lived tickets for the widget's live stream. SSE subscriptions are GET requests with their input
 * in the URL, and URLs end up in proxy and access logs; so the conversation token is traded (in a POST
 * body) for a ticket that only opens that conversation's stream, only for a few minutes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { settings } from '../db/schema';

/** How long a ticket may be used to open (or reopen) a stream. */
export const TICKET_TTL_MS = 5 * 60_000;
const KEY_SETTING = 'stream_ticket_key';
const keys = new WeakMap<Db, Promise<Buffer>>();

/** The signing key, shared by every instance through the settings table. */
function ticketKey(db: Db): Promise<Buffer> {
  let key = keys.get(db);
  if (!key) {
    key = (async () => {
      await db.insert(settings).values({ key: KEY_SETTING, value: randomBytes(32).toString('base64url') }).onConflictDoNothing();
      const [row] = await db.select().from(settings).where(eq(settings.key, KEY_SETTING));
      return Buffer.from(row!.value, 'base64url');
    })();
    key.catch(() => keys.delete(db));
    keys.set(db, key);
  }
  return key;
}

const sign = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('base64url');

export async function issueTicket(db: Db, conversationId: string, now = Date.now()): Promise<{ ticket: string; expiresAt: string }> {
  const expires = now + TICKET_TTL_MS;
  const body = `${conversationId}.${expires}`;
  return { ticket: `${body}.${sign(await ticketKey(db), body)}`, expiresAt: new Date(expires).toISOString() };
}

/** The conversation a ticket opens, or a reason it does not. */
export async function checkTicket(db: Db, ticket: string, now = Date.now()): Promise<{ ok: true; conversationId: string } | { ok: false; message: string }> {
  const [conversationId, expires, mac] = ticket.split('.');
  if (!conversationId || !expires || !mac) return { ok: false, message: 'Malformed stream ticket.' };
  const expected = Buffer.from(sign(await ticketKey(db), `${conversationId}.${expires}`));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, message: 'Invalid stream ticket.' };
  if (Number(expires) < now) return { ok: false, message: 'The stream ticket has expired; ask conversation.streamTicket for a new one.' };
  return { ok: true, conversationId };
}
