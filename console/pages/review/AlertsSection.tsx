/**
 * Alerts: incidents in which a rate stayed clearly above its own baseline (one row for consecutive alerting
 * hours), newest first, each in plain words and linked to the cases behind it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ReviewAlert } from '../../../shared/review';
import { errorMessage } from '../../api/client';
import type { AlertsModel } from './alerts-model';
import { reviewApi } from './review-api';
import { count, pct, windowLabel } from './review-format';
import { sectionHref } from './review-nav';
import { utcDay, resolveRange, type CaseFilters, type ReviewQuery } from './review-query';
import { Status } from './Status';

/** What each metric measures, by name: `negative_rate` counts Not helpful ratings only (the overview's "Negatives" count more). */
const METRIC_NAME: Record<ReviewAlert['metric'], string> = {
  negative_rate: 'Not-helpful rate',
  escalation_rate: 'Escalation rate',
};

/** The server's page size (ALERT_PAGE in server/review/alerts.ts): a full page means there may be older ones. */
const ALERT_PAGE = 500;


const HOUR_MS = 3_600_000;
const hoursOf = (a: ReviewAlert) => Math.max(1, Math.round((Date.parse(a.windowEnd) - Date.parse(a.windowStart)) / HOUR_MS));

/**
 * The Cases section for the alert's days, topic and kind of case (Not helpful ratings or escalations). The
 * case list filters by whole days, so the link covers the days the incident touched.
 */
export function alertCasesHref(a: ReviewAlert, q: ReviewQuery): string {
  const filters: CaseFilters = a.metric === 'negative_rate' ? { rating: 'not_helpful' } : { escalated: 'yes' };
  if (a.topic) filters.topic = a.topic;
  const from = utcDay(new Date(a.windowStart));
  const to = utcDay(new Date(Date.parse(a.windowEnd) - 1));
  return sectionHref('cases', { site: q.site, range: 'custom', from, to, filters });
}

function AlertRow({ a, q }: { a: ReviewAlert; q: ReviewQuery }) {
  const hours = hoursOf(a);
  const name = METRIC_NAME[a.metric] ?? a.metric;
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{a.topic ?? <span class="muted">whole site</span>}</td>
      <td>
        <time dateTime={a.windowStart}>{windowLabel(a.windowStart, a.windowEnd)}</time>
        {hours > 1 && <span class="hint"> {hours} hours in a row</span>}
      </td>
      <td class="num">
        {pct(a.baselineRate)} <span class="hint">of {count(a.baselineTotal)}</span>
      </td>
      <td class="num observed">
        {pct(a.observedRate)}{' '}
        <span class="hint">
          {count(a.observedCount)} of {count(a.observedTotal)}
        </span>
      </td>
      <td>{a.message}</td>
      <td>
        <a href={alertCasesHref(a, q)} aria-label={`Cases behind the ${name} alert${a.topic ? ` for topic ${a.topic}` : ''}, ${windowLabel(a.windowStart, a.windowEnd)}`}>
          Cases
        </a>
      </td>
    </tr>
  );
}

export function AlertsSection({ q, model }: { q: ReviewQuery; model: AlertsModel }) {
  const first = model.list.data.value;
  // Older pages, read on demand; a new first page (other site or range) starts over.
  const [older, setOlder] = useState<ReviewAlert[][]>([]);
  const [more, setMore] = useState<{ loading: boolean; error: string | null }>({ loading: false, error: null });
  useEffect(() => {
    setOlder([]);
    setMore({ loading: false, error: null });
  }, [first]);

  const pages = first ? [first, ...older] : [];
  const list = pages.flat();
  const lastPage = pages[pages.length - 1];
  const mayHaveOlder = !!lastPage && lastPage.length >= ALERT_PAGE;

  async function loadOlder() {
    const last = list[list.length - 1];
    if (!q.site || !last) return;
    setMore({ loading: true, error: null });
    try {
      const page = await reviewApi.alerts.query({ siteId: q.site, ...resolveRange(q), before: { windowStart: last.windowStart, id: last.id } });
      setOlder((prev) => [...prev, page]);
      setMore({ loading: false, error: null });
    } catch (err) {
      setMore({ loading: false, error: `Older alerts could not be loaded: ${errorMessage(err)}` });
    }
  }

  return (
    <Status error={model.list.error.value} loading={model.list.loading.value} ready={!!first} retry={model.list.retry} what="the alerts">
      {first && first.length === 0 ? (
        <p class="empty">No alerts in this range: no hourly rate rose clearly above its baseline.</p>
      ) : (
        <>
          <table class="data alerts">
            <caption>Alerts in this range, newest first (consecutive alerting hours make one alert)</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Topic</th>
                <th scope="col">Window</th>
                <th scope="col" class="num">
                  Baseline
                </th>
                <th scope="col" class="num">
                  Observed (latest hour)
                </th>
                <th scope="col">Message</th>
                <th scope="col">Cases</th>
              </tr>
            </thead>
            <tbody>{list.map((a) => <AlertRow key={a.id} a={a} q={q} />)}</tbody>
          </table>
          {more.error && <p role="alert">{more.error}</p>}
          {mayHaveOlder && (
            <p>
              <button type="button" onClick={loadOlder} disabled={more.loading}>
                {more.loading ? 'Loading older alerts…' : 'Older alerts'}
              </button>{' '}
              <span class="hint">{count(list.length)} shown; older ones in this range are not listed yet.</span>
            </p>
          )}
        </>
      )}
    </Status>
  );
}
