/** The site's audit log, newest first: who did what, when, from where; "Show more" reads the next page. */
import type { AuditEntry } from '../../../shared/security';
import type { SettingsModel } from './settings-model';

/** "escalation.claim" → "escalation claim": actions are stable ids, shown readably. */
const actionLabel = (action: string) => action.replace(/[._]/g, ' ');

function Row({ e }: { e: AuditEntry }) {
  return (
    <tr>
      <td>
        <time dateTime={e.createdAt}>{new Date(e.createdAt).toLocaleString()}</time>
      </td>
      <td>{e.actor}</td>
      <td>{actionLabel(e.action)}</td>
      <td>{e.targetType ? <code>{`${e.targetType} ${e.targetId ?? ''}`}</code> : <span class="muted">—</span>}</td>
      <td>
        {e.ip ?? <span class="muted">—</span>}
        {e.userAgent && <span class="hint"> {e.userAgent}</span>}
      </td>
    </tr>
  );
}

export function AuditSection({ model, siteId }: { model: SettingsModel; siteId: string }) {
  const entries = model.audit.value;
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      {model.auditError.value && <p class="error" role="alert">{model.auditError.value}</p>}
      {entries.length === 0 && !model.auditLoading.value ? (
        <p class="empty">Nothing recorded for this site yet.</p>
      ) : (
        <table class="data">
          <caption>Changes to this site, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <Row key={e.id} e={e} />
            ))}
          </tbody>
        </table>
      )}
      {model.auditCursor.value !== null && (
        <button type="button" class="secondary" disabled={model.auditLoading.value} onClick={() => model.loadMoreAudit(siteId)}>
          Show more
        </button>
      )}
    </section>
  );
}
