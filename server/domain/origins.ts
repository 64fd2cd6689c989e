/** Origin allowlist rules for the widget (abuse control, not identity). */

/** Normalises an origin (scheme://host[:port], lower-case, default ports dropped); null if not an http(s) origin. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * Whether a browser request from `origin` is on a site's allowlist. An empty allowlist allows every
 * origin (local demos only; whether such sites are served at all is checked by `checkWidgetAccess`).
 * Requests without an Origin are not browser requests and are decided by `checkWidgetAccess` too.
 */
export function originAllowed(allowed: readonly string[], origin: string): boolean {
  if (allowed.length === 0) return true;
  const normalized = normalizeOrigin(origin);
  return normalized !== null && allowed.includes(normalized);
}
