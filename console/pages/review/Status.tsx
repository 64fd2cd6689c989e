/** Loading, error (with "Try again") and empty states, the same in every Review section. */
import type { ComponentChildren } from 'preact';

interface Props {
  error: string | null;
  loading: boolean;
  /** Whether there is data to show (an old result stays on screen while a new one loads). */
  ready: boolean;
  retry: () => void;
  what: string;
  children: ComponentChildren;
}

export function Status({ error, loading, ready, retry, what, children }: Props) {
  if (error)
    return (
      <div class="error" role="alert">
        <p>{error}</p>
        <button type="button" onClick={retry}>
          Try again
        </button>
      </div>
    );
  if (!ready) return <p aria-busy="true">Loading {what}…</p>;
  return <div aria-busy={loading}>{children}</div>;
}
