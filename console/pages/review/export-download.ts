/**
 * "Export JSONL" as a checked download: the file is fetched first, so that a refusal (signed out, bad
 * filters, a server error) shows its message on the page instead of being saved as a `.jsonl` file of
 * JSON error text, which a plain download link did.
 */

import type { CaseFilters as Filters } from './review-query';

/**
 * Filters only review cases have: with none of them, the export also carries drafts that reviewers edited
 * or rejected and that have no case of their own (the server's drafts-export.ts; topic and range apply to both).
 */
const CASE_ONLY_FILTERS: (keyof Filters)[] = ['mode', 'rating', 'band', 'release', 'model', 'escalated', 'label'];

/** What the export holds for these filters, in one sentence. */
export function exportHint(filters: Filters): string {
  return CASE_ONLY_FILTERS.some((k) => filters[k] !== undefined)
    ? 'The eval dataset of the cases these filters select (one JSON object per line).'
    : 'The eval dataset of the cases these filters select, plus drafts reviewers edited or rejected in this range that have no case of their own (one JSON object per line).';
}

/** The JSONL media type the export route sends; anything else is not the dataset. */
const JSONL_TYPE = 'application/x-ndjson';
const FALLBACK_NAME = 'backstop-cases.jsonl';

export type ExportResult = { ok: true; blob: Blob; filename: string } | { ok: false; message: string };

/** The file name of a `Content-Disposition: attachment; filename="…"` header, or null. */
export function attachmentName(header: string | null): string | null {
  const m = header?.match(/filename="([^"]+)"/i) ?? header?.match(/filename=([^;\s]+)/i);
  // Only a plain name: no folders, whatever the header says.
  const name = m?.[1]?.split(/[\\/]/).pop()?.trim();
  return name ? name : null;
}

/** The message of the server's JSON error (`{ error: { message, data: { fields } } }`), else a sentence for the status. */
async function refusal(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: unknown; data?: { fields?: Record<string, unknown> } } };
    const message = typeof body.error?.message === 'string' ? body.error.message : null;
    const fields = body.error?.data?.fields;
    const detail = fields && typeof fields === 'object' ? Object.entries(fields).map(([k, v]) => `${k}: ${String(v)}`).join('; ') : '';
    if (message) return detail ? `${message} (${detail})` : message;
  } catch {
    // Not JSON (a proxy's error page): fall through to the status.
  }
  return `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`;
}

/** Fetches the export at `url`: the file and its name, or the reason it was refused. */
export async function fetchExport(url: string, fetchImpl: typeof fetch = fetch): Promise<ExportResult> {
  let res: Response;
  try {
    res = await fetchImpl(url, { credentials: 'same-origin', headers: { accept: `${JSONL_TYPE}, application/json` } });
  } catch {
    return { ok: false, message: 'The server could not be reached. Check the connection and try again.' };
  }
  if (!res.ok) return { ok: false, message: await refusal(res) };
  const type = res.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith(JSONL_TYPE)) return { ok: false, message: `The server did not send the dataset (it sent ${type || 'no content type'}).` };
  try {
    return { ok: true, blob: await res.blob(), filename: attachmentName(res.headers.get('content-disposition')) ?? FALLBACK_NAME };
  } catch {
    return { ok: false, message: 'The download broke off before the end. Try again.' };
  }
}

/** Saves a fetched file under its name, through a temporary link (the browser's ordinary download). */
export function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has been handled: revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
