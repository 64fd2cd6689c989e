/**
 * Cases: the filters, the newest cases first with "Load more" (keyset pages), each row linking to the
 * case, and "Export JSONL" downloading the eval dataset of these filters (checked before it is saved).
 */
import { useSignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { CaseListItem } from '../../../shared/review';
import { CaseFilters, MenusError } from './CaseFilters';
import { createCasesModel } from './cases-model';
import { exportHint, fetchExport, saveBlob } from './export-download';
import { createLoadable } from './loadable';
import { exportUrl, reviewApi } from './review-api';
import { count, dateTime, modeLabel, pct, ratingLabel } from './review-format';
import { caseHref, sectionHref } from './review-nav';
import { caseFilterFor, FILTER_KEYS, resolveRange, type ReviewQuery } from './review-query';
import { Status } from './Status';

function CaseRow({ c, q }: { c: CaseListItem; q: ReviewQuery }) {
  const rating = c.source === 'escalation' ? 'Escalation' : ratingLabel(c.rating);
  return (
    <tr class={c.negative ? 'negative' : undefined}>
      <td>
        <time dateTime={c.occurredAt}>{dateTime(c.occurredAt)}</time>
      </td>
      <th scope="row" class="question">
        <a href={caseHref(c.id, q)}>{c.inputPreview?.trim() || `Case ${c.id.slice(0, 8)}`}</a>
      </th>
      <td>{rating}</td>
      <td class="num">{c.confidence == null ? '–' : pct(c.confidence)}</td>
      <td>
        {modeLabel(c.mode)}
        {c.humanMode && <span class="tag human-label">reviewer</span>}
      </td>
      <td>{c.topic ?? '–'}</td>
      <td>{[c.release, c.model].filter(Boolean).join(' · ') || '–'}</td>
      <td>{c.escalated ? 'Yes' : 'No'}</td>
    </tr>
  );
}

/** "Export JSONL": fetches the dataset, saves it under the server's file name, or says why it could not. */
function ExportButton({ url }: { url: string }) {
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const run = async () => {
    busy.value = true;
    error.value = null;
    const result = await fetchExport(url);
    busy.value = false;
    if (result.ok) saveBlob(result.blob, result.filename);
    else error.value = `The export could not be downloaded: ${result.message}`;
  };
  return (
    <>
      <button type="button" class="secondary" onClick={() => void run()} disabled={busy.value} aria-busy={busy.value}>
        Export JSONL
      </button>
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
    </>
  );
}

export function CasesSection({ q }: { q: ReviewQuery }) {
  const { route } = useLocation();
  const model = useMemo(createCasesModel, []);
  const options = useMemo(() => createLoadable((siteId: string) => reviewApi.filters.query({ siteId }), 'The filter menus'), []);
  useEffect(
    () => () => {
      model.dispose();
      options.dispose();
    },
    [],
  );
  useEffect(() => {
    if (q.site) void options.load(q.site);
  }, [q.site]);

  const filterKey = FILTER_KEYS.map((k) => q.filters[k] ?? '').join('|');
  // The range is resolved when the filters change, so every page of one list shares the same instants.
  const filter = useMemo(() => (q.site ? caseFilterFor(q.site, resolveRange(q), q.filters) : null), [q.site, q.range, q.from, q.to, filterKey]);
  useEffect(() => {
    if (filter) void model.load(filter);
  }, [filter]);

  const items = model.items.value;
  const more = model.nextCursor.value;
  return (
    <>
      <CaseFilters filters={q.filters} options={options.data.value} onChange={(filters) => route(sectionHref('cases', { ...q, filters }))} />
      <MenusError error={options.error.value} retry={() => void options.retry()} />
      <div class="list-actions">
        {/* Keyed by the URL: a message about the previous filters' export goes when they change. */}
        {filter && <ExportButton key={exportUrl(filter)} url={exportUrl(filter)} />}
        <span class="hint">{exportHint(q.filters)}</span>
      </div>
      <Status error={items.length ? null : model.error.value} loading={model.loading.value} ready={model.loaded.value || items.length > 0} retry={() => void model.retry()} what="the cases">
        {items.length === 0 ? (
          <p class="empty">{FILTER_KEYS.some((k) => q.filters[k] !== undefined) ? 'No cases match these filters in this range.' : 'No cases in this range yet.'}</p>
        ) : (
          <>
            <div class="table-scroll">
            <table class="data cases">
              <caption>Cases, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Question</th>
                  <th scope="col">Rating</th>
                  <th scope="col" class="num">
                    Confidence
                  </th>
                  <th scope="col">Failure mode</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Release · model</th>
                  <th scope="col">Escalated</th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <CaseRow key={c.id} c={c} q={q} />
                ))}
              </tbody>
            </table>
            </div>
            <p class="list-count" role="status">
              {count(items.length)} {items.length === 1 ? 'case' : 'cases'} shown{more ? '; more are available.' : '.'}
            </p>
            {model.error.value && (
              <div class="error" role="alert">
                <p>{model.error.value}</p>
                <button type="button" onClick={() => void model.retry()}>
                  Try again
                </button>
              </div>
            )}
            {more && !model.error.value && (
              <button type="button" onClick={() => void model.loadMore()} disabled={model.loadingMore.value}>
                {model.loadingMore.value ? 'Loading…' : 'Load more'}
              </button>
            )}
          </>
        )}
      </Status>
    </>
  );
}
