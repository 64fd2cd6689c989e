/**
 * Production readiness: the seven checks of the reliability checklist for a site, each pass / warn / fail
 * with the evidence from the site's own data of the last 30 days and what to do next. Every staff member
 * of the site may read it.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ReadinessCheck, ReadinessStatus } from '../../../shared/trust';
import { api } from '../../api/client';
import { me } from '../../shell/session';
import { createLoadable } from '../review/loadable';
import { dateTime } from '../review/review-format';
import { Status } from '../review/Status';

/** Status words (colour is never the only signal). */
export const STATUS_LABEL: Record<ReadinessStatus, string> = { pass: 'Pass', warn: 'Warning', fail: 'Fail' };

/** One line summing up the checks, e.g. "5 pass, 1 warning, 1 fail: not ready for production." */
export function readinessSummary(checks: ReadinessCheck[]): string {
  const n = (s: ReadinessStatus) => checks.filter((c) => c.status === s).length;
  const verdict = n('fail') ? 'not ready for production' : n('warn') ? 'ready with warnings' : 'ready for production';
  return `${n('pass')} pass, ${n('warn')} warning${n('warn') === 1 ? '' : 's'}, ${n('fail')} fail: ${verdict}.`;
}

export function ReadinessPage() {
  const who = me.value;
  const sites = who?.sites ?? [];
  const [siteId, setSiteId] = useState<string | null>(sites[0]?.id ?? null);
  const model = useMemo(() => createLoadable((input: { siteId: string }) => api.readiness.get.query(input), 'The readiness checks'), []);
  useEffect(() => model.dispose, [model]);
  useEffect(() => {
    if (siteId) void model.load({ siteId });
  }, [siteId]);
  const report = model.data.value;

  return (
    <section class="page-body readiness">
      <h1>Production readiness</h1>
      <p class="hint">
        The seven checks of the reliability checklist, computed from this site's answers, traces, feedback, escalations and settings over the last 30 days; a check
        without data warns rather than passes. The same checks run in CI with <code>npx backstop readiness --site ID</code>.
      </p>
      {!siteId ? (
        <p class="empty">You are not a member of any site yet.</p>
      ) : (
        <>
          {sites.length > 1 && (
            <label>
              Site{' '}
              <select value={siteId} onChange={(e) => setSiteId((e.target as HTMLSelectElement).value)}>
                {sites.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
          )}{' '}
          <button type="button" class="secondary" onClick={model.retry} disabled={model.loading.value}>
            Check again
          </button>
          <Status error={model.error.value} loading={model.loading.value} ready={!!report} retry={model.retry} what="the readiness checks">
            {report && (
              <>
                <p class="readiness-summary">
                  <strong>{readinessSummary(report.checks)}</strong> <span class="muted">Checked {dateTime(report.generatedAt)}.</span>
                </p>
                <ol class="readiness-checks">
                  {report.checks.map((c) => (
                    <li key={c.id} class={`readiness-check ${c.status}`} aria-labelledby={`check-${c.id}`}>
                      <h2 id={`check-${c.id}`}>
                        <span class={`readiness-status ${c.status}`}>{STATUS_LABEL[c.status]}</span> {c.title}
                      </h2>
                      <p>{c.evidence}</p>
                      <p class="hint">Next: {c.advice}</p>
                    </li>
                  ))}
                </ol>
              </>
            )}
          </Status>
        </>
      )}
    </section>
  );
}
