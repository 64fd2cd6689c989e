/**
 * tRPC clients of the handoff bench, as the console and the widget use them: httpLink for calls and
 * httpSubscriptionLink over Node's EventSource for SSE. Node's EventSource (`--experimental-eventsource`
 * on Node 20) cannot set request headers; the staff cookie and the widget's Origin are added by a
 * dispatcher that wraps fetch's own.
 */
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { AppRouter } from '../../server/routers';

type Dispatcher = { dispatch(opts: { headers?: unknown }, handler: unknown): boolean };

/** fetch's dispatcher: set once fetch has run (hence `prepareEventSource`). */
let base: Dispatcher | undefined;

/** Checks that an EventSource exists and takes hold of fetch's dispatcher. */
export async function prepareEventSource(anyUrl: string): Promise<void> {
  if (typeof (globalThis as { EventSource?: unknown }).EventSource !== 'function')
    throw new Error('the handoff bench needs an EventSource: run it with NODE_OPTIONS=--experimental-eventsource on Node 20 (npm run bench does)');
  await fetch(anyUrl).then((r) => r.body?.cancel()).catch(() => {});
  base = (globalThis as Record<symbol, Dispatcher | undefined>)[Symbol.for('undici.globalDispatcher.1')];
  if (!base) throw new Error("could not find fetch's dispatcher to add headers to EventSource requests");
}

function withHeaders(extra: Record<string, string>): Dispatcher {
  return {
    dispatch(opts, handler) {
      const h = opts.headers;
      const pairs = Object.entries(extra).flat();
      const headers = Array.isArray(h) ? [...h, ...pairs] : { ...(h as object | undefined), ...extra };
      return base!.dispatch({ ...opts, headers }, handler);
    },
  };
}

/** A client whose calls and streams carry `headers`; `connectionParams` is re-read on every (re)connect. */
export function benchClient(url: string, headers: Record<string, string>, connectionParams?: () => Promise<Record<string, string>>) {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource: globalThis.EventSource as never,
          eventSourceOptions: { dispatcher: withHeaders(headers) } as never,
          connectionParams,
        }),
        false: httpLink({ url: `${url}/trpc`, headers: { ...headers, 'x-backstop-csrf': '1' } }),
      }),
    ],
  });
}

/** A subscription's events as they arrive, each with its arrival time (performance.now()). */
export interface Arrival<T> {
  at: number;
  data: T;
}
