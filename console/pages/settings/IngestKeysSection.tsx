/** A site's secret ingest keys: create one (shown once), see when each was last used, revoke. */
import { useState } from 'preact/hooks';
import { announce } from '../../shell/announcer';
import type { SettingsModel } from './settings-model';

const when = (iso: string | null, none: string) => (iso ? <time dateTime={iso}>{new Date(iso).toLocaleString()}</time> : <span class="muted">{none}</span>);

export function IngestKeysSection({ model, siteId }: { model: SettingsModel; siteId: string }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const keys = model.keys.value;
  const revealed = model.revealed.value;

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await model.createKey(siteId, name);
      setName('');
    } catch (err) {
      setProblem((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: string, keyName: string) => {
    if (!confirm(`Revoke the ingest key "${keyName}"? Exporters using it are refused from now on.`)) return;
    try {
      await model.revokeKey(siteId, id);
      announce(`Ingest key "${keyName}" revoked.`, 'info');
    } catch (err) {
      announce((err as Error).message, 'error');
    }
  };

  return (
    <section aria-labelledby="ingest-keys-title">
      <h2 id="ingest-keys-title">Ingest keys</h2>
      <p class="hint">Secret keys (sk_…) your agent backend sends traces with. A key is shown once, when it is made; revoking it stops it at once.</p>
      {revealed && (
        <div class="revealed-key" role="alert">
          <p>
            New key <strong>{revealed.name}</strong>. Copy it now: it will not be shown again.
          </p>
          <code class="secret">{revealed.key}</code>{' '}
          <button type="button" class="secondary" onClick={() => (model.revealed.value = null)}>
            I have copied it
          </button>
        </div>
      )}
      {model.keysError.value && <p class="error" role="alert">{model.keysError.value}</p>}
      {keys && (
        <table class="data">
          <caption>Ingest keys of this site</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <th scope="row">{k.name}</th>
                <td>
                  {when(k.createdAt, '')}
                  {k.createdBy && <span class="hint"> by {k.createdBy}</span>}
                </td>
                <td>{when(k.lastUsedAt, 'never')}</td>
                <td>{k.revokedAt ? <>Revoked {when(k.revokedAt, '')}</> : 'Active'}</td>
                <td>
                  {!k.revokedAt && (
                    <button type="button" class="secondary" aria-label={`Revoke ${k.name}`} onClick={() => revoke(k.id, k.name)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={create} class="inline-form">
        <label>
          Key name{' '}
          <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} maxLength={60} required placeholder="production exporter" />
        </label>{' '}
        <button type="submit" disabled={busy}>
          Create key
        </button>
        {problem && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
      </form>
    </section>
  );
}
