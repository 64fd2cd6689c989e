/** A site's end-user identity: the mode (optional / required) and the identity secrets (rotate, shown once; revoke). */
import { useState } from 'preact/hooks';
import { DEFAULT_GRACE_HOURS, MAX_GRACE_HOURS, type IdentityMode } from '../../../shared/identity-rules';
import { announce } from '../../shell/announcer';
import type { IdentityModel } from './identity-model';

const when = (iso: string | null) => (iso ? <time dateTime={iso}>{new Date(iso).toLocaleString()}</time> : null);
const STATE = { current: 'Current', grace: 'Valid until', expired: 'Ended' } as const;

export function IdentitySection({ model, siteId }: { model: IdentityModel; siteId: string }) {
  const [grace, setGrace] = useState(String(DEFAULT_GRACE_HOURS));
  const [busy, setBusy] = useState(false);
  const settings = model.settings.value;
  const revealed = model.revealed.value;

  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await what();
      announce(done, 'info');
    } catch (err) {
      announce((err as Error).message, 'error');
    } finally {
      setBusy(false);
    }
  };
  const rotate = (e: Event) => {
    e.preventDefault();
    void run(() => model.rotate(siteId, Number(grace)), 'New identity secret made.');
  };
  const revoke = (id: string) => {
    if (!confirm('End this identity secret now? Tokens signed with it stop verifying at once.')) return;
    void run(() => model.revoke(siteId, id), 'Identity secret ended.');
  };
  const setMode = (mode: IdentityMode) => void run(() => model.setMode(siteId, mode), `Identity mode: ${mode}.`);

  return (
    <section aria-labelledby="identity-title">
      <h2 id="identity-title">End-user identity</h2>
      <p class="hint">
        Your server signs each signed-in user's id with an identity secret (a JWT with HS256, or an HMAC-SHA256 of the id); the page passes the token to{' '}
        <code>Backstop('identify', …)</code>. Verified users find their earlier conversations on any device.
      </p>
      {model.error.value && <p class="error" role="alert">{model.error.value}</p>}
      {settings && (
        <fieldset disabled={busy}>
          <legend>Without a valid token, an identify call is</legend>
          <label>
            <input type="radio" name="identity-mode" checked={settings.mode === 'optional'} onChange={() => setMode('optional')} /> kept as a claim, shown to staff
            as unverified (optional)
          </label>
          <label>
            <input type="radio" name="identity-mode" checked={settings.mode === 'required'} onChange={() => setMode('required')} /> ignored: the conversation
            stays anonymous (required)
          </label>
        </fieldset>
      )}
      {revealed && (
        <div class="revealed-key" role="alert">
          <p>New identity secret. Copy it to your servers now: it will not be shown again.</p>
          <code class="secret">{revealed.secret}</code>{' '}
          <button type="button" class="secondary" onClick={() => (model.revealed.value = null)}>
            I have copied it
          </button>
        </div>
      )}
      {settings && settings.secrets.length === 0 && <p class="empty">No identity secret yet: every identify call is unverified.</p>}
      {settings && settings.secrets.length > 0 && (
        <table class="data">
          <caption>Identity secrets of this site</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {settings.secrets.map((s) => (
              <tr key={s.id}>
                <td>
                  {when(s.createdAt)}
                  {s.createdBy && <span class="hint"> by {s.createdBy}</span>}
                </td>
                <td>
                  {STATE[s.state]} {s.state !== 'current' && when(s.expiresAt)}
                </td>
                <td>
                  {s.state !== 'expired' && (
                    <button type="button" class="secondary" aria-label={`End the secret created ${new Date(s.createdAt).toLocaleString()}`} disabled={busy} onClick={() => revoke(s.id)}>
                      End now
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={rotate} class="inline-form">
        <label>
          Old secrets stay valid for (hours){' '}
          <input type="number" min={0} max={MAX_GRACE_HOURS} step={1} value={grace} onInput={(e) => setGrace((e.target as HTMLInputElement).value)} required />
        </label>{' '}
        <button type="submit" disabled={busy}>
          {settings?.secrets.some((s) => s.state === 'current') ? 'Rotate secret' : 'Create secret'}
        </button>
      </form>
    </section>
  );
}
