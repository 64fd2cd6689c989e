/**
 * Which fields of what the widget and staff send are redacted before storage (see redact.ts): the free
 * text people and agents write. Ids, times, ratings and URLs are kept; so are the contact email a user
 * typed into the handoff form to be answered at, and the identity the host page claims, which exist to
 * say who the user is.
 */
import { eq } from 'drizzle-orm';
import type { Signal } from '../../shared/schemas';
import type { Db } from '../db/client';
import { sites } from '../db/schema';
import { redactText } from './redact';

/** The signal with its free text redacted: message text and source titles, feedback comments, escalation notes. Same object when clean. */
export function redactSignal<T extends Signal>(item: T): T {
  if (item.kind === 'message') {
    const text = redactText(item.text);
    const sources = item.answer?.sources;
    const titles = sources?.map((s) => redactText(s.title));
    const sourcesChanged = Boolean(sources && titles!.some((t, i) => t !== sources[i]!.title));
    if (text === item.text && !sourcesChanged) return item;
    return {
      ...item,
      text,
      ...(sourcesChanged ? { answer: { ...item.answer!, sources: sources!.map((s, i) => ({ ...s, title: titles![i]! })) } } : {}),
    };
  }
  if (item.kind === 'feedback') {
    const comment = item.comment === undefined ? undefined : redactText(item.comment);
    return comment === item.comment ? item : { ...item, comment };
  }
  const note = item.note === undefined ? undefined : redactText(item.note);
  return note === item.note ? item : { ...item, note };
}

/** Whether a site redacts before storage (`sites.redact_pii`); true for an unknown site, the safe side. */
export async function siteRedacts(db: Db, siteId: string): Promise<boolean> {
  const [row] = await db.select({ redact: sites.redactPii }).from(sites).where(eq(sites.id, siteId)).limit(1);
  return row?.redact ?? true;
}

/** Switches a site's redaction; running servers follow within their site cache's lifetime (5 s). */
export async function setSiteRedaction(db: Db, siteId: string, on: boolean): Promise<void> {
  await db.update(sites).set({ redactPii: on }).where(eq(sites.id, siteId));
}
