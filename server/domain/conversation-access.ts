/**
 * What opens a conversation: its own token (the widget that started it made it; only its sha256 is
 * stored), or the access token the server gives a verified user's other devices. The access token is an
 * HMAC of a fixed label keyed with the stored hash, so the server can check it without storing anything
 * new, and only a holder of the conversation token or of the database can make one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sameDigest, sha256 } from './secrets';

// '.' is not in base64url, so no token a widget makes (32 random bytes, base64url) looks like an access token.
const ACCESS_PREFIX = 'va.';
const ACCESS_LABEL = 'backstop verified-user access v1';

/** The token that opens the conversation whose token hash is `tokenHash`, for its verified user on another device. */
export function accessTokenFor(tokenHash: string): string {
  return ACCESS_PREFIX + createHmac('sha256', Buffer.from(tokenHash, 'hex')).update(ACCESS_LABEL).digest('base64url');
}

/** Whether `token` opens the conversation: its own token, or its verified-user access token; constant time. */
export function tokenOpens(tokenHash: string, token: string, hashOf: (t: string) => string = sha256): boolean {
  if (sameDigest(tokenHash, hashOf(token))) return true;
  if (!token.startsWith(ACCESS_PREFIX)) return false;
  const want = Buffer.from(accessTokenFor(tokenHash));
  const given = Buffer.from(token);
  return want.length === given.length && timingSafeEqual(want, given);
}
