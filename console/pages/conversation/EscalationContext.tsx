/** Why the user was handed over and what we know about them: reason, their note, page, contact and identity (as claimed). */
import { renderMarkdown } from '../../../shared/ui/markdown';
import { formatTime, formatWait, OUTCOME_LABEL, TRIGGER_LABEL } from '../../format';
import type { Detail } from './conversation-model';

const STATUS = { queued: 'Queued', claimed: 'Claimed', resolved: 'Resolved' } as const;

export function EscalationContext({ detail }: { detail: Detail }) {
  const e = detail.escalation;
  const identity = e.claimedIdentity ? Object.entries(e.claimedIdentity).filter(([k]) => k !== 'verified') : [];
  return (
    <section class="context" aria-labelledby="context-title">
      <h2 id="context-title">Handoff</h2>
      <dl>
        <dt>Status</dt>
        <dd>
          {STATUS[e.status]}
          {e.assignee && ` · ${e.assignee.displayName}`}
          {e.outcome && ` · ${OUTCOME_LABEL[e.outcome]}`}
        </dd>
        <dt>Reason</dt>
        <dd>{TRIGGER_LABEL[e.trigger]}</dd>
        <dt>Waited</dt>
        <dd>{formatWait(e.waitingMs)}</dd>
        <dt>Site</dt>
        <dd>{e.siteName}</dd>
        {detail.user && (
          <>
            <dt>User</dt>
            <dd>
              {/* Text nodes only: name, email and id come from the host page. */}
              {detail.user.name ?? detail.user.id}
              {detail.user.email && ` · ${detail.user.email}`}
              {detail.user.name && ` · ${detail.user.id}`}{' '}
              {detail.user.verified ? <span class="tag ok">Verified</span> : <span class="tag warn">Unverified</span>}
            </dd>
          </>
        )}
        {e.note && (
          <>
            <dt>User's note</dt>
            <dd class="user-text">{renderMarkdown(e.note)}</dd>
          </>
        )}
        {e.pageUrl && (
          <>
            <dt>Page</dt>
            {/* Shown as text, not a link: the page address comes from the user's browser. */}
            <dd class="url">{e.pageUrl}</dd>
          </>
        )}
        {e.contactEmail && (
          <>
            <dt>Contact email</dt>
            <dd>{e.contactEmail}</dd>
          </>
        )}
        {identity.length > 0 && (
          <>
            <dt>
              Identity <span class="tag warn">unverified</span>
            </dt>
            <dd>
              <ul class="plain">
                {identity.map(([k, v]) => (
                  <li key={k}>
                    {k}: {String(v)}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
      {detail.requests.length > 1 && (
        <>
          <h3>Requests</h3>
          <ul class="plain">
            {detail.requests.map((r, i) => (
              <li key={i}>
                {formatTime(r.createdAt)} · {TRIGGER_LABEL[r.trigger as keyof typeof TRIGGER_LABEL] ?? r.trigger}
                {r.note && <>: “{r.note}”</>}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
