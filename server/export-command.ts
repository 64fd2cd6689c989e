/** `backstop export feedback` and `export cases`: stdout gets the data, stderr the progress. */
import { once } from 'node:events';
import type { Db } from './db/client';
import { EVAL_CSV_HEADER, exportCases, formatEvalCase, type CaseExportFilter } from './domain/case-export';
import { csvField, EXPORT_FIELDS, exportFeedback } from './domain/feedback-export';

export async function runExport(
  db: Db,
  opts: { siteId?: string; since?: string; format: 'jsonl' | 'csv' },
  out: NodeJS.WritableStream = process.stdout,
  progress: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  if (opts.siteId && !/^[0-9a-f-]{36}$/i.test(opts.siteId)) throw new Error(`--site must be a site id (a UUID), got '${opts.siteId}'.`);
  let since: Date | undefined;
  if (opts.since) {
    since = new Date(opts.since);
    if (Number.isNaN(since.getTime())) throw new Error(`--since must be an ISO time like 2026-01-31T00:00:00Z, got '${opts.since}'.`);
  }
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (opts.format === 'csv') await write(EXPORT_FIELDS.join(',') + '\n');
  let total = 0;
  for await (const page of exportFeedback(db, { siteId: opts.siteId, since })) {
    const lines = page.map((row) =>
      opts.format === 'jsonl' ? JSON.stringify(row) : EXPORT_FIELDS.map((f) => csvField(row[f])).join(','),
    );
    await write(lines.join('\n') + '\n');
    total += page.length;
    if (total >= 10_000 && total % 10_000 < page.length) progress.write(`exported ${total} feedback items…\n`);
  }
  progress.write(`exported ${total} feedback item${total === 1 ? '' : 's'}\n`);
  return total;
}

/** `backstop export cases`: the eval dataset, one EvalCase per line (or CSV row), newest first. Flags are checked by the caller. */
export async function runCaseExport(
  db: Db,
  filter: CaseExportFilter,
  format: 'jsonl' | 'csv',
  out: NodeJS.WritableStream = process.stdout,
  progress: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (format === 'csv') await write(EVAL_CSV_HEADER + '\n');
  let total = 0;
  for await (const page of exportCases(db, filter)) {
    await write(page.map((row) => formatEvalCase(row, format)).join('\n') + '\n');
    total += page.length;
    if (total >= 10_000 && total % 10_000 < page.length) progress.write(`exported ${total} cases…\n`);
  }
  progress.write(`exported ${total} case${total === 1 ? '' : 's'}\n`);
  return total;
}
