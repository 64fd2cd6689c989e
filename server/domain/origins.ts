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
 * Whether a request from `origin` may use a site. A request without an Origin header is not a
 * cross-origin browser request (same-origin GET, or a server), so the allowlist does not apply.
 * An empty allowlist allows every origin (local demos only; the server warns at start).
 */
export function originAllowed(allowed: readonly string[], origin: string | null | undefined): boolean {
  if (!origin) return true;
  if (allowed.length === 0) return true;
  const normalized = normalizeOrigin(origin);
  return normalized !== null && allowed.includes(normalized);
}
