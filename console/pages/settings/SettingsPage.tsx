/** Settings, for admins: per site, its topics and autonomy, ingest keys, end-user identity and audit log (the server checks the role on every call). */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { me } from '../../shell/session';
import { AuditSection } from './AuditSection';
import { IdentitySection } from './IdentitySection';
import { createIdentityModel } from './identity-model';
import { IngestKeysSection } from './IngestKeysSection';
import { TopicsSection } from './TopicsSection';
import { createSettingsModel } from './settings-model';

/** Who sees Settings in the navigation. */
export const canManageSettings = (who: { role: string } | null | undefined): boolean => who?.role === 'admin';

export function SettingsPage() {
  const who = me.value;
  const sites = who?.sites ?? [];
  const [siteId, setSiteId] = useState<string | null>(sites[0]?.id ?? null);
  const model = useMemo(() => createSettingsModel(), []);
  const identity = useMemo(() => createIdentityModel(), []);
  useEffect(() => () => (model.dispose(), identity.dispose()), [model]);
  useEffect(() => {
    if (siteId && canManageSettings(who)) void Promise.all([model.load(siteId), identity.load(siteId)]);
  }, [siteId]);

  if (!canManageSettings(who))
    return (
      <section class="page-body">
        <h1>Settings</h1>
        <p class="empty">Settings are for admins.</p>
      </section>
    );
  if (!siteId)
    return (
      <section class="page-body">
        <h1>Settings</h1>
        <p class="empty">You are not a member of any site yet.</p>
      </section>
    );
  return (
    <section class="page-body settings">
      <h1>Settings</h1>
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
      )}
      <TopicsSection siteId={siteId} />
      <IngestKeysSection model={model} siteId={siteId} />
      <IdentitySection model={identity} siteId={siteId} />
      <AuditSection model={model} siteId={siteId} />
    </section>
  );
}
