/** The signed-in staff member's own account: who they are, and a password change (every role). */
import { useState } from 'preact/hooks';
import { MIN_PASSWORD_LENGTH } from '../../../shared/limits';
import { api, errorMessage } from '../../api/client';
import { announce } from '../../shell/announcer';
import { me } from '../../shell/session';

/** What is wrong with the new password as typed, before the server is asked; null when it may be sent. */
export function newPasswordProblem(current: string, next: string, repeat: string): string | null {
  if (!current) return 'Enter your current password.';
  if (next.length < MIN_PASSWORD_LENGTH) return `The new password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (next === current) return 'The new password must differ from the current one.';
  if (next !== repeat) return 'The two new passwords differ.';
  return null;
}

export function AccountPage() {
  const who = me.value;
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const local = newPasswordProblem(current, next, repeat);
    setProblem(local);
    if (local) return;
    setBusy(true);
    try {
      await api.staff.changePassword.mutate({ currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setRepeat('');
      announce('Password changed. Every other session of your account has ended.', 'info');
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="page-body account">
      <h1>Your account</h1>
      {who && (
        <p>
          Signed in as <strong>{who.displayName}</strong> ({who.email}), {who.role}.
        </p>
      )}
      <section aria-labelledby="password-title">
        <h2 id="password-title">Change password</h2>
        <p class="hint">At least {MIN_PASSWORD_LENGTH} characters. Changing it signs you out everywhere else; this browser stays signed in.</p>
        <form onSubmit={submit} aria-describedby={problem ? 'password-problem' : undefined}>
          <label>
            Current password
            <input type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent((e.target as HTMLInputElement).value)} required />
          </label>
          <label>
            New password
            <input type="password" autocomplete="new-password" minLength={MIN_PASSWORD_LENGTH} value={next} onInput={(e) => setNext((e.target as HTMLInputElement).value)} required />
          </label>
          <label>
            New password again
            <input type="password" autocomplete="new-password" value={repeat} onInput={(e) => setRepeat((e.target as HTMLInputElement).value)} required />
          </label>
          {problem && (
            <p class="error" role="alert" id="password-problem">
              {problem}
            </p>
          )}
          <button type="submit" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </form>
      </section>
    </section>
  );
}
