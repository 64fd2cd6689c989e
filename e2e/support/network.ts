/** Recognising and faking the widget's `signal.push` requests (tRPC batch POSTs to /trpc). */
import type { Request } from '@playwright/test';
import { HOST_URL } from './env';

/** Matches the widget's signal.push calls, batched or not, for `page.route`. */
export const isSignalPushUrl = (url: URL): boolean => url.pathname.startsWith('/trpc/') && url.pathname.includes('signal.push');

interface PushedSignal {
  kind: string;
  clientEventId: string;
}

/** The signals of a signal.push request (tRPC batch body: `{ "0": { items: […] } }`). */
export function pushedSignals(request: Request): PushedSignal[] {
  try {
    const body = request.postDataJSON() as Record<string, { items?: PushedSignal[] }> | null;
    return Object.values(body ?? {}).flatMap((call) => call?.items ?? []);
  } catch {
    return [];
  }
}

/** Whether a request is a signal.push carrying at least one feedback signal. */
export const carriesFeedback = (request: Request): boolean =>
  isSignalPushUrl(new URL(request.url())) && pushedSignals(request).some((s) => s.kind === 'feedback');

/** The body of one failed tRPC call, as the server shapes it. */
export function trpcError(httpStatus: number, code: string, message: string, fields?: Record<string, string>) {
  return { error: { message, code: httpStatus === 500 ? -32603 : -32600, data: { code, httpStatus, ...(fields ? { fields } : {}) } } };
}

/** Headers a fulfilled cross-origin answer needs so the browser lets the widget read it. */
export const corsHeaders = (origin = HOST_URL): Record<string, string> => ({
  'content-type': 'application/json',
  'access-control-allow-origin': origin,
  vary: 'Origin',
});
