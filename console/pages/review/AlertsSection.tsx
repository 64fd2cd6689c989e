/** Alerts: hours in which a rate jumped above its own baseline, newest first, each in plain words. */
import type { ReviewAlert } from '../../../shared/review';
import type { AlertsModel } from './alerts-model';
import { count, METRIC_LABEL, pct, windowLabel } from './review-format';
import type { ReviewQuery } from './review-query';
import { Status } from './Status';

function AlertRow({ a }: { a: ReviewAlert }) {
  return (
    <tr>
      <th scope="row">{METRIC_LABEL[a.metric] ?? a.metric}</th>
      <td>{a.topic ?? <span class="muted">whole site</span>}</td>
      <td>
        <time dateTime={a.windowStart}>{windowLabel(a.windowStart, a.windowEnd)}</time>
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
    </tr>
  );
}

export function AlertsSection({ model }: { q: ReviewQuery; model: AlertsModel }) {
  const list = model.list.data.value;
  return (
    <Status error={model.list.error.value} loading={model.list.loading.value} ready={!!list} retry={model.list.retry} what="the alerts">
      {list && list.length === 0 ? (
        <p class="empty">No alerts in this range: no hourly rate rose clearly above its baseline.</p>
      ) : (
        <table class="data alerts">
          <caption>Alerts in this range, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Topic</th>
              <th scope="col">Window</th>
              <th scope="col" class="num">
                Baseline
              </th>
              <th scope="col" class="num">
                Observed
              </th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>{list?.map((a) => <AlertRow key={a.id} a={a} />)}</tbody>
        </table>
      )}
    </Status>
  );
}
