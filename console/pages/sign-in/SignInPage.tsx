/** Sign-in with email and password. The field and button names are what people and tests look for: keep them. */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { errorCode, errorMessage } from '../../api/client';
import { signIn } from '../../shell/session';

export function SignInPage() {
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  useEffect(() => {
    document.title = 'Sign in · Backstop';
  }, []);

  const onSubmit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    busy.value = true;
    error.value = null;
    try {
      await signIn(String(form.get('email') ?? ''), String(form.get('password') ?? ''));
    } catch (err) {
      // The server gives one message for any wrong credential, so it never tells which part was wrong.
      error.value = errorCode(err) === 'UNAUTHORIZED' || errorCode(err) === 'BAD_REQUEST' ? errorMessage(err) : `Could not sign in: ${errorMessage(err)}`;
    } finally {
      busy.value = false;
    }
  };

  return (
    <section class="sign-in">
      <h1>Sign in to Backstop</h1>
      <form onSubmit={onSubmit} aria-describedby={error.value ? 'sign-in-error' : undefined}>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        {error.value && (
          <p id="sign-in-error" class="error" role="alert">
            {error.value}
          </p>
        )}
        <button type="submit" disabled={busy.value}>
          Sign in
        </button>
      </form>
    </section>
  );
}
