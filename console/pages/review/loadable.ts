/**
 * One server read as page state: its data, whether it is loading, and a sentence when it failed. A newer
 * read wins over an older one still on its way (the reviewer changed the site or range meanwhile), and a
 * disposed loadable ignores late answers.
 */
import { signal } from '@preact/signals';
import { errorMessage } from '../../api/client';
import { sessionEnded } from '../../shell/session';

export function createLoadable<I, T>(read: (input: I) => Promise<T>, what: string) {
  const data = signal<T | null>(null);
  const error = signal<string | null>(null);
  const loading = signal(false);
  let seq = 0;
  let last: { input: I } | null = null;

  async function load(input: I): Promise<void> {
    const mine = ++seq;
    last = { input };
    loading.value = true;
    try {
      const result = await read(input);
      if (mine !== seq) return;
      data.value = result;
      error.value = null;
    } catch (err) {
      if (mine !== seq || sessionEnded(err)) return;
      error.value = `${what} could not be loaded: ${errorMessage(err)}`;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  return {
    data,
    error,
    loading,
    load,
    retry: () => (last ? load(last.input) : Promise.resolve()),
    dispose: () => void seq++,
  };
}

export type Loadable<T> = ReturnType<typeof createLoadable<unknown, T>>;
