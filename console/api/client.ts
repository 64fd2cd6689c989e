/**
 * The console's tRPC client. Queries and mutations go over one batched HTTP link with the session cookie
 * and the CSRF header the server requires on staff mutations; subscriptions go over SSE, which resumes
 * from the last tracked event id on its own when the connection drops.
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, isTRPCClientError, splitLink } from '@trpc/client';
import type { AppRouter } from '../../server/routers';

const url = new URL('/trpc', location.origin).toString();

/** The one client of the console. */
export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url, eventSourceOptions: () => ({ withCredentials: true }) }),
      false: httpBatchLink({
        url,
        // A long batch of queries is split rather than sent as a URL some proxy would refuse.
        maxURLLength: 2000,
        headers: () => ({ 'x-backstop-csrf': '1' }),
        fetch: (input, init) => fetch(input, { ...init, credentials: 'include' }),
      }),
    }),
  ],
});

/** The server's error code (`UNAUTHORIZED`, `FORBIDDEN`, `CONFLICT`…) if the error came from it. */
export function errorCode(err: unknown): string | undefined {
  return isTRPCClientError(err) ? (err.data as { code?: string } | undefined)?.code : undefined;
}

/** A sentence for a person: the server's message when it gave one, else a generic one. */
export function errorMessage(err: unknown): string {
  if (isTRPCClientError(err)) {
    const fields = (err.data as { fields?: Record<string, string> } | undefined)?.fields;
    if (fields && Object.keys(fields).length) return Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('; ');
    if (err.message) return err.message;
  }
  return 'Something went wrong. Check the connection and try again.';
}
