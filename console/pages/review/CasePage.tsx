/**
 * One case: the transcript beside what the user said about it (feedback, escalation), how it was
 * classified and the reviewer's label, and the answer's trace as a waterfall with the evidence highlighted.
 */
import { useEffect, useMemo } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { FEEDBACK_REASONS } from '../../../shared/feedback';
import type { CaseDetail } from '../../../shared/review';
import { OUTCOME_LABEL, TRIGGER_LABEL } from '../../format';
import { me } from '../../shell/session';
import { createCaseModel } from './case-model';
import { CaseTranscript } from './CaseTranscript';
import { Rationale } from './Rationale';
import { Relabel } from './Relabel';
import { canReview } from './review-access';
import { dateTime, modeLabel, pct, ratingLabel } from './review-format';
import { caseHref, sectionHref } from './review-nav';
import { parseReviewQuery } from './review-query';
import { Status } from './Status';
import { spanRowId, Waterfall } from './Waterfall';

const REASON_LABEL = new Map<string, string>(FEEDBACK_REASONS.map((r) => [r.id, r.label]));

function Feedback({ c }: { c: CaseDetail['case'] }) {
  return (
    <section class="panel" aria-labelledby="feedback-h">
      <h2 id="feedback-h">Feedback</h2>
      {c.source === 'escalation' && c.rating == null ? (
        <p>The user asked for a person (no rating).</p>
      ) : (
        <dl class="facts">
          <dt>Rating</dt>
          <dd class={c.rating === -1 ? 'down' : undefined}>{ratingLabel(c.rating)}</dd>
          <dt>Reasons</dt>
          <dd>{c.reasons.length ? c.reasons.map((r) => REASON_LABEL.get(r) ?? r).join(', ') : '–'}</dd>
          <dt>Comment</dt>
          {/* The user's own words: plain text, never markup. */}
          <dd>{c.comment ? <blockquote class="comment">{c.comment}</blockquote> : '–'}</dd>
        </dl>
      )}
      <dl class="facts">
        <dt>Stated confidence</dt>
        <dd>{c.confidence == null ? 'none' : pct(c.confidence)}</dd>
        <dt>Topic</dt>
        <dd>{c.topic ?? '–'}</dd>
        <dt>Release · model</dt>
        <dd>{[c.release, c.model].filter(Boolean).join(' · ') || '–'}</dd>
      </dl>
    </section>
  );
}

function Escalation({ e }: { e: CaseDetail['escalation'] }) {
  return (
    <section class="panel" aria-labelledby="escalation-h">
      <h2 id="escalation-h">Escalation</h2>
      {!e ? (
        <p class="muted">Not handed to a person.</p>
      ) : (
        <dl class="facts">
          <dt>Why</dt>
          <dd>{TRIGGER_LABEL[e.trigger as keyof typeof TRIGGER_LABEL] ?? e.trigger}</dd>
          <dt>When</dt>
          <dd>{dateTime(e.createdAt)}</dd>
          <dt>Status</dt>
          <dd>
            {e.status}
            {e.outcome && <>: {OUTCOME_LABEL[e.outcome]}</>}
          </dd>
          {e.note && (
            <>
              <dt>User's note</dt>
              <dd>{e.note}</dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}

function Classification({ c, hasTrace }: { c: CaseDetail['case']; hasTrace: boolean }) {
  const [primary, ...others] = c.autoModes;
  const toEvidence = () => {
    const row = c.evidenceSpanId ? document.getElementById(spanRowId(c.evidenceSpanId)) : null;
    row?.scrollIntoView({ block: 'center' });
    row?.querySelector('summary')?.focus();
  };
  return (
    <section class="panel" aria-labelledby="class-h">
      <h2 id="class-h">Classification</h2>
      {!c.autoMode ? (
        <p class="muted">{c.negative ? 'Not classified yet.' : 'Not a negative case: nothing to classify.'}</p>
      ) : (
        <>
          <p class="primary-mode">
            <strong>{modeLabel(c.autoMode)}</strong>
            {c.autoConfidence != null && <span class="hint"> · {pct(c.autoConfidence)} sure</span>}
          </p>
          <Rationale text={c.rationale ?? primary?.rationale ?? null} />
          {others.length > 0 && (
            <>
              <h3>Other modes that applied</h3>
              <ul class="other-modes">
                {others.map((m) => (
                  <li key={m.mode + m.rule}>
                    <strong>{modeLabel(m.mode)}</strong> ({pct(m.confidence)}): <Rationale text={m.rationale} inline />
                  </li>
                ))}
              </ul>
            </>
          )}
          {c.evidenceSpanId && hasTrace && (
            <button type="button" class="secondary" onClick={toEvidence}>
              Show the evidence span
            </button>
          )}
        </>
      )}
    </section>
  );
}

export function CasePage() {
  const { params } = useRoute();
  const { query } = useLocation();
  const id = params.id ?? '';
  const q = parseReviewQuery(query, (me.value?.sites ?? []).map((s) => s.id));
  const model = useMemo(() => createCaseModel(id), [id]);
  useEffect(() => {
    void model.start();
    return model.dispose;
  }, [model]);
  useEffect(() => {
    document.title = 'Case · Review · Backstop';
    return () => void (document.title = 'Backstop console');
  }, []);

  const back = (
    <p>
      <a href={sectionHref('cases', q)}>← Cases</a>
    </p>
  );
  if (!canReview(me.value))
    return (
      <section class="page-body">
        <h1>Case</h1>
        <p role="note">Review is for reviewers and admins.</p>
      </section>
    );

  const d = model.detail.data.value;
  return (
    <section class="page-body review-case">
      {back}
      <h1>{d ? `Case: ${d.case.mode ? modeLabel(d.case.mode) : d.case.negative ? 'not classified' : ratingLabel(d.case.rating)}` : 'Case'}</h1>
      <Status error={model.detail.error.value} loading={model.detail.loading.value} ready={!!d} retry={() => void model.detail.retry()} what="the case">
        {d && (
          <>
            <p class="case-meta">
              {d.case.source === 'escalation' ? 'Escalation' : 'Feedback'} · <time dateTime={d.case.occurredAt}>{dateTime(d.case.occurredAt)}</time>
            </p>
            {/* Reachable only by a link (an old alert, an export): the list and every count leave it out. */}
            {d.case.superseded && (
              <p role="note" class="case-superseded">
                The user changed this rating later; Review counts the newer one
                {d.case.supersededBy ? (
                  <>
                    {' '}
                    (<a href={caseHref(d.case.supersededBy, q)}>open it</a>).
                  </>
                ) : (
                  '.'
                )}
              </p>
            )}
            <div class="columns">
              <div class="main-col">
                <h2>Transcript</h2>
                <CaseTranscript entries={d.transcript} thresholds={d.thresholds} />
              </div>
              <aside class="side-col" aria-label="Case details">
                <Feedback c={d.case} />
                <Escalation e={d.escalation} />
                <Classification c={d.case} hasTrace={!!d.trace} />
                <Relabel model={model} />
              </aside>
            </div>
            <section aria-labelledby="trace-h">
              <h2 id="trace-h">Trace</h2>
              {d.trace ? (
                <Waterfall trace={d.trace} evidenceSpanId={d.case.evidenceSpanId} />
              ) : (
                <p class="empty">
                  No trace received for this answer
                  {d.case.traceId ? (
                    <>
                      {' '}
                      (trace id <code>{d.case.traceId}</code>; its spans have not arrived).
                    </>
                  ) : (
                    ': the agent gave no trace id with it.'
                  )}
                </p>
              )}
            </section>
          </>
        )}
      </Status>
    </section>
  );
}
