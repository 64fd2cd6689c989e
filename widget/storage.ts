/**
 * sessionStorage (and, for the few things kept across visits, localStorage) as JSON. Every access may throw
 * (disabled storage, sandboxed iframes, quota), and losing what is stored here only costs continuity, so
 * failures are swallowed. Storage is shared with the host page: callers check the shape of what they read.
 */

const area = (local?: boolean): Storage => (local ? localStorage : sessionStorage);

/** The value stored under `key`, or undefined when missing, unreadable, longer than `maxChars` or not JSON. */
export function readSession<T>(key: string, local?: boolean, maxChars = Infinity): T | undefined {
  try {
    const raw = area(local).getItem(key);
    return raw == null || raw.length > maxChars ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

/** Stores `value` under `key`; does nothing where storage is unavailable or full. */
export function writeSession(key: string, value: unknown, local?: boolean): void {
  try {
    area(local).setItem(key, JSON.stringify(value));
  } catch {
    // Best effort: the conversation still works for this page view.
  }
}

/** Removes `key`; does nothing where storage is unavailable. */
export function removeSession(key: string, local?: boolean): void {
  try {
    area(local).removeItem(key);
  } catch {
    // Unavailable storage holds nothing to remove.
  }
}
