/**
 * The parts of a widget that talk to the outside: the tRPC client (and the site's settings it fetches)
 * and the outbox with its IndexedDB store. None of them is needed to show the launcher, and together they
 * were most of the widget's start-up task, so they are made afterwards, each in an idle task of its own,
 * or at once when something needs them first (a signal to store).
 */
import { computed, signal, type ReadonlySignal } from '@preact/signals';
import type { SiteConfig } from '../shared/schemas';
import type { Api, createApi } from './api/client';
import { later } from './later';
import type { SignalSink } from './models/record';
import type { createOutbox, Outbox, OutboxState } from './outbox';

export interface ServiceDeps {
  createApi: typeof createApi;
  createOutbox: typeof createOutbox;
}

export interface Services {
  /** The site's settings, fetched once the page is idle after start. */
  siteConfig(): Promise<SiteConfig>;
  /** Stores signals (making the outbox first if need be); `state` is the outbox's once it exists. */
  outbox: SignalSink & { state: ReadonlySignal<OutboxState> };
  /** Makes the outbox in an idle task, so what earlier pages left in it is sent soon after load. */
  start(): void;
  dispose(): void;
}

/** The outbox's state before it exists: it has not read its store yet, so nothing is known to wait. */
const NOT_STARTED: OutboxState = { pending: 0, offline: false, waiting: false, rejected: [], limited: false };
/** Upper bounds on the wait for an idle moment; a busy page still gets its settings and its delivery. */
const CONFIG_WAIT_MS = 1000;
const OUTBOX_WAIT_MS = 2000;

export function createServices(opts: { siteKey: string; apiUrl: string }, deps: ServiceDeps): Services {
  const { siteKey, apiUrl } = opts;
  let api: Api | undefined;
  const getApi = () => (api ??= deps.createApi({ apiUrl, siteKey }));
  const current = signal<Outbox | undefined>(undefined);
  const getOutbox = () => current.peek() ?? (current.value = deps.createOutbox({ siteKey, api: getApi() }));
  const cancels: (() => void)[] = [];
  let disposed = false;
  const idle = (timeoutMs: number) => new Promise<void>((resolve) => void cancels.push(later(resolve, timeoutMs)));

  return {
    async siteConfig() {
      await idle(CONFIG_WAIT_MS);
      return getApi().siteConfig();
    },
    outbox: {
      // Synchronous up to the real `add`, so signals are stored in the order they were recorded.
      async add(s) {
        if (!disposed) return getOutbox().add(s);
      },
      state: computed(() => current.value?.state.value ?? NOT_STARTED),
    },
    start() {
      cancels.push(later(() => void (disposed || getOutbox()), OUTBOX_WAIT_MS));
    },
    dispose() {
      disposed = true;
      cancels.forEach((cancel) => cancel());
      current.peek()?.dispose();
    },
  };
}
