/** Pure helpers of the outbox: cutting batches and reading which items the server refused. */
import type { Row } from './store';

/** Room for tRPC's `{"0":{"items":[…],"dropped":{…}}}` envelope around the items. */
const ENVELOPE_BYTES = 1024;

/**
 * The leading rows that fit in `maxBytes`. Always a prefix, so order is kept and a message never goes
 * after feedback about it. The first row always goes: it is at most 16 KiB, and if not, the server says so.
 */
export function take(rows: Row[], maxBytes: number): Row[] {
  let bytes = ENVELOPE_BYTES;
  let i = 0;
  for (; i < rows.length; i++) {
    bytes += rows[i]!.n + 1;
    if (i > 0 && bytes > maxBytes) break;
  }
  return rows.slice(0, i);
}

/**
 * Batch indices named by an error's `fields` (`items.3` or `items.3.rating`), each with a reason built
 * from its field messages. Keys that name no item of this batch are ignored.
 */
export function namedItems(fields: Record<string, string> | undefined, size: number): Map<number, string> {
  const named = new Map<number, string>();
  for (const [key, message] of Object.entries(fields ?? {})) {
    const m = /^items\.(\d+)(?:\.(.+))?$/.exec(key);
    const i = Number(m?.[1] ?? -1);
    if (i < 0 || i >= size) continue;
    const text = m![2] ? `${m![2]}: ${message}` : message;
    named.set(i, named.has(i) ? `${named.get(i)}; ${text}` : text);
  }
  return named;
}
