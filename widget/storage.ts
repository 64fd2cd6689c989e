/**
 * sessionStorage as JSON. Every access may throw (disabled storage, sandboxed iframes, quota), and
 * losing what is stored here only costs continuity, so failures are swallowed.
 */

/** The value stored under `key`, or undefined when missing, unreadable or not JSON. */
export function readSession<T>(key: string): T | undefined {
  try {
    const raw = sessionStorage.getItem(key);
    return raw == null ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

/** Stores `value` under `key`; does nothing where storage is unavailable or full. */
export function writeSession(key: string, value: unknown): void {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Best effort: the conversation still works for this page view.
  }
}
