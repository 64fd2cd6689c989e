/**
 * Review: for a site and a time range (both in the URL), the Overview, Calibration, Cases and Alerts
 * sections. Each section owns its model; this page owns the controls and the section links.
 */
import { useEffect, useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { me } from '../../shell/session';
import { AlertsSection } from './AlertsSection';
import { createAlertsModel } from './alerts-model';
import { CalibrationSection } from './CalibrationSection';
import { CasesSection } from './CasesSection';
import { OverviewSection } from './OverviewSection';
import { RangeControls } from './RangeControls';
import { lastReviewSearch, sectionHref, sectionOf, SECTIONS } from './review-nav';
import { parseReviewQuery, resolveRange, reviewSearch, type ReviewQuery } from './review-query';
import { canReview } from './review-access';

export function ReviewPage() {
  const { path, query, route } = useLocation();
  const who = me.value;
  const sites = who?.sites ?? [];
  const q = parseReviewQuery(query, sites.map((s) => s.id));
  const section = sectionOf(path);
  const alerts = useMemo(createAlertsModel, []);
  useEffect(() => alerts.dispose, [alerts]);

  useEffect(() => {
    const label = SECTIONS.find((s) => s.id === section)!.label;
    document.title = `${label} · Review · Backstop`;
  }, [section]);
  useEffect(() => () => void (document.title = 'Backstop console'), []);

  // The alerts' count shows on the Alerts link in every section.
  useEffect(() => {
    lastReviewSearch.value = reviewSearch(q, { filters: false });
    if (q.site && canReview(who)) void alerts.load({ siteId: q.site, ...resolveRange(q) });
  }, [q.site, q.range, q.from, q.to]);

  if (!canReview(who))
    return (
      <section class="page-body">
        <h1>Review</h1>
        <p role="note">Review is for reviewers and admins. Ask an admin if you need it.</p>
      </section>
    );
  if (!q.site)
    return (
      <section class="page-body">
        <h1>Review</h1>
        <p class="empty">You are not a member of any site yet; an admin can add you to one.</p>
      </section>
    );

  const go = (next: ReviewQuery) => route(sectionHref(section, next));
  const alertCount = alerts.list.data.value?.length;

  return (
    <section class="page-body review">
      <h1>Review</h1>
      <RangeControls q={q} sites={sites} onChange={go} />
      <nav class="review-tabs" aria-label="Review sections">
        {SECTIONS.map((s) => (
          <a key={s.id} href={sectionHref(s.id, q)} aria-current={section === s.id ? 'page' : undefined}>
            {s.label}
            {s.id === 'alerts' && alertCount ? (
              <>
                <span class="badge-count" aria-hidden="true">
                  {alertCount}
                </span>
                <span class="sr-only">{` (${alertCount} in this range)`}</span>
              </>
            ) : null}
          </a>
        ))}
      </nav>
      {section === 'overview' && <OverviewSection q={q} />}
      {section === 'calibration' && <CalibrationSection q={q} />}
      {section === 'cases' && <CasesSection q={q} />}
      {section === 'alerts' && <AlertsSection q={q} model={alerts} />}
    </section>
  );
}
