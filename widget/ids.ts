/** Identifiers the widget mints itself, so it can work offline and the server can deduplicate retries. */

const bytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** A v4 UUID. `crypto.randomUUID` exists only in secure contexts, so plain-http pages get the same from random bytes. */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A conversation secret: 32 random bytes, base64url without padding. */
export function secretToken(): string {
  return btoa(String.fromCharCode(...bytes(32)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
