/**
 * One topic's record: its policy (autonomy, failure cost, criterion), the metrics with their 95% intervals and
 * a sentence each, the weekly chart, and the recommendation or warning with "Apply" for admins.
 */
import { AUTONOMY_LABELS } from '../../../shared/trust-levels';
import type { TopicRecord, TrustRecommendation } from '../../../shared/trust';
import { TimeChart } from '../../charts/TimeChart';
import { hasWeeklyData, metricRows, weeklyDescription, weeklySeries } from './track-record-format';

interface Props {
  record: TopicRecord;
  windowDays: number;
  /** Given to admins: opens the confirmation for this topic's recommendation. */
  onApply?: (recommendation: TrustRecommendation) => void;
}

const percent = (v: number) => `${(v * 100).toFixed(0)}%`;

export function TopicCard({ record: t, windowDays, onApply }: Props) {
  const id = `topic-${(t.topic ?? t.scope).replace(/[^a-z0-9]+/gi, '-')}`;
  const rec = t.recommendation;
  return (
    <article class="topic-card" aria-labelledby={id}>
      <header>
        <h2 id={id}>{t.label}</h2>
        {t.scope !== 'site' && (
          <p class="policy">
            <span class="tag">{t.autonomy ? AUTONOMY_LABELS[t.autonomy].split(':')[0] : '—'}</span>{' '}
            <span class={t.failureCost === 'high' ? 'tag high-cost' : 'tag'}>
              {t.failureCost ? `Failure cost: ${t.failureCost}` : 'Failure cost not set'}
            </span>
            {!t.defined && t.scope === 'topic' && <span class="hint"> Not defined: runs under the site’s default autonomy.</span>}
          </p>
        )}
        {t.criterion && <p class="hint">Success means: {t.criterion}</p>}
      </header>
      {rec && (
        <div class={rec.kind === 'step_down' ? 'recommendation warning' : 'recommendation'} role={rec.kind === 'step_down' ? 'alert' : undefined}>
          <p>{rec.text}</p>
          {onApply && (
            <button type="button" onClick={() => onApply(rec)} aria-label={`Apply: set ${t.label} to ${rec.to}`}>
              Apply
            </button>
          )}
        </div>
      )}
      {!rec && t.status && <p class="status-line">{t.status}</p>}
      <div class="topic-body">
        <table class="data metrics">
          <caption>Last {windowDays} days, with 95% intervals (Wilson)</caption>
          <tbody>
            {metricRows(t, windowDays).map((m) => (
              <tr key={m.name}>
                <th scope="row">
                  {m.name}
                  <span class="metric-help">{m.help}</span>
                </th>
                <td class="num">{m.value}</td>
              </tr>
            ))}
            {t.tooFastApprovals > 0 && (
              <tr>
                <th scope="row">
                  Too-fast approvals
                  <span class="metric-help">Approvals made faster than a person can read the draft: not counted as reviewed.</span>
                </th>
                <td class="num">{t.tooFastApprovals.toLocaleString('en-US')}</td>
              </tr>
            )}
          </tbody>
        </table>
        {hasWeeklyData(t) ? (
          <TimeChart
            title={`${t.label}: by week`}
            description={weeklyDescription(t)}
            chart={weeklySeries(t)}
            yLabel="Rate"
            format={percent}
            bucket="week"
            unitInterval
          />
        ) : (
          <p class="empty">No answers or reviewed drafts in the last {windowDays} days: nothing to plot.</p>
        )}
      </div>
    </article>
  );
}
