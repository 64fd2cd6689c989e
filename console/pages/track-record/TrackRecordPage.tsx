/**
 * Track record: for a site (in the URL as `?site=`), every topic's measured record over the record window,
 * with intervals, a weekly chart, the recommendation (admins apply it in one action, confirmed) and the
 * rubber-stamp notes about reviewers. For reviewers and admins, as the server checks.
 */
import { useEffect, useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { TrustRecommendation } from '../../../shared/trust';
import { errorMessage } from '../../api/client';
import { announce } from '../../shell/announcer';
import { me } from '../../shell/session';
import { canReview } from '../review/review-access';
import { Status } from '../review/Status';
import { ApplyDialog } from './ApplyDialog';
import { TopicCard } from './TopicCard';
import { isEmpty } from './track-record-format';
import { createTrackRecordModel } from './track-record-model';
import './track-record.css';

export function TrackRecordPage() {
  const { query, route, path } = useLocation();
  const who = me.value;
  const sites = who?.sites ?? [];
  const siteId = sites.some((s) => s.id === query.site) ? query.site! : sites[0]?.id;
  const model = useMemo(() => createTrackRecordModel(), []);
  useEffect(() => model.dispose, [model]);
  useEffect(() => {
    document.title = 'Track record · Backstop';
    return () => void (document.title = 'Backstop console');
  }, []);
  useEffect(() => {
    if (siteId && canReview(who)) void model.record.load(siteId);
  }, [siteId]);

  if (!canReview(who))
    return (
      <section class="page-body">
        <h1>Track record</h1>
        <p role="note">The track record is for reviewers and admins. Ask an admin if you need it.</p>
      </section>
    );
  if (!siteId)
    return (
      <section class="page-body">
        <h1>Track record</h1>
        <p class="empty">You are not a member of any site yet; an admin can add you to one.</p>
      </section>
    );

  const data = model.record.data.value;
  const isAdmin = who?.role === 'admin';
  const confirming = model.confirming.value;
  const confirm = async () => {
    if (!confirming) return;
    try {
      await model.apply(siteId, confirming.topic, confirming.recommendation);
      announce(`“${confirming.topic}” is now ${confirming.recommendation.to}.`, 'info');
    } catch (err) {
      announce(errorMessage(err), 'error');
    } finally {
      model.confirming.value = null;
    }
  };
  const onApply = (topic: string) => (recommendation: TrustRecommendation) => (model.confirming.value = { topic, recommendation });

  return (
    <section class="page-body track-record">
      <h1>Track record</h1>
      <p class="hint">
        Which topics the agent has earned the right to handle alone, from its measured outcomes. Each rate comes with its 95% interval: the range the true
        rate is likely in, given how many answers it is measured on.
      </p>
      {sites.length > 1 && (
        <label class="site-picker">
          Site{' '}
          <select value={siteId} onChange={(e) => route(`${path}?site=${encodeURIComponent((e.target as HTMLSelectElement).value)}`)}>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <Status error={model.record.error.value} loading={model.record.loading.value} ready={data !== null && data.siteId === siteId} retry={model.record.retry} what="the track record">
        {data && (
          <>
            <p class="hint">
              Step up: at least {data.settings.stepUpMinDecisions} decisions and a 95% lower bound of at least {(data.settings.stepUpLowerBound * 100).toFixed(1)}%.
              Step down: a significant drop over the last {data.settings.stepDownWindowDays} days. Reading time: {(data.settings.minReadMs / 1000).toFixed(1)} s plus{' '}
              {(data.settings.readMsPer100Chars / 1000).toFixed(1)} s per 100 characters.
            </p>
            {isEmpty(data) && <p class="empty">No answers in the last {data.windowDays} days.</p>}
            {data.reviewers.some((r) => r.tooFast > 0) && (
              <section class="reviewer-notes" aria-labelledby="reviewers-title">
                <h2 id="reviewers-title">Rubber-stamp guard</h2>
                <ul>
                  {data.reviewers
                    .filter((r) => r.tooFast > 0)
                    .map((r) => (
                      <li key={r.staffId} class={r.flagged ? 'flagged' : undefined}>
                        {r.flagged && <strong>Flagged: </strong>}
                        {r.note}
                      </li>
                    ))}
                </ul>
              </section>
            )}
            {!isEmpty(data) && <TopicCard record={data.total} windowDays={data.windowDays} />}
            {data.topics.map((t) => (
              <TopicCard key={t.label} record={t} windowDays={data.windowDays} onApply={isAdmin && t.topic !== null ? onApply(t.topic) : undefined} />
            ))}
          </>
        )}
      </Status>
      {confirming && (
        <ApplyDialog
          topic={confirming.topic}
          recommendation={confirming.recommendation}
          busy={model.applying.value}
          onConfirm={confirm}
          onCancel={() => (model.confirming.value = null)}
        />
      )}
    </section>
  );
}
