/**
 * The widget's tRPC client. It turns every answer of `signal.push` into one of three outcomes the outbox
 * acts on (delivered, try again later, refused for good), so no tRPC error type leaks past this file.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '../../server/routers';
import { utf8Bytes } from '../../shared/limits';
import type { SignalBatch, SignalResult, SiteConfig } from '../../shared/schemas';
import { cleanFetch } from '../clean';

export type PushOutcome =
  | { kind: 'ok'; results: SignalResult[] }
  | { kind: 'retry'; retryAfterMs?: number; reason: string }
  | { kind: 'rejected'; status: number; message: string; fields?: Record<string, string> };

export interface Api {
  siteConfig(): Promise<SiteConfig>;
  pushSignals(batch: SignalBatch, opts: { keepalive: boolean }): Promise<PushOutcome>;
  /**
   * Sends a batch at once, in the caller's task, with `keepalive`, and ignores the answer: for a page
   * that is being unloaded, where an async chain would be cut off. The outbox keeps the items until a
   * normal push confirms them; the server ignores the repeat.
   */
  beacon?(batch: SignalBatch): boolean;
}

/** Browsers refuse keepalive requests whose bodies (summed over those in flight) pass 64 KiB; leave room. */
export const KEEPALIVE_MAX_BYTES = 60 * 1024;
/** A hung request would hold the outbox (and its cross-tab lock) forever; give up and retry instead. */
const TIMEOUT_MS = 30_000;

/** UTF-8 size of a string, which is what body limits count (the one measure of shared/limits.ts). */
export { utf8Bytes };


/** Shortest wait a `Retry-After` can ask for: `0` or a past date must not make the outbox spin. */
export const RETRY_AFTER_MIN_MS = 1000;
/** Longest: an hour, well below setTimeout's 2^31−1 ms, past which the timer would fire at once. */
export const RETRY_AFTER_MAX_MS = 60 * 60_000;

/**
 * `Retry-After` as milliseconds within [RETRY_AFTER_MIN_MS, RETRY_AFTER_MAX_MS]: delta-seconds (digits
 * only) or an HTTP date. Anything else (blank, negative, fractional, junk) is ignored: the outbox's own
 * backoff applies instead.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = value?.trim() ?? '';
  // HTTP dates start with the day's name; without this check Date.parse would read '-5' as a year.
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : /^[a-z]/i.test(v) ? Date.parse(v) - now : NaN;
  return Number.isNaN(ms) ? undefined : Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, ms));
}

function fieldsOf(error: unknown): Record<string, string> | undefined {
  const fields = (error as { data?: { fields?: unknown } } | null)?.data?.fields;
  return fields && typeof fields === 'object' ? (fields as Record<string, string>) : undefined;
}

export function createApi(opts: { apiUrl: string; siteKey: string; fetch?: typeof fetch }): Api {
  // The browser's own fetch: a host page that wraps or replaces it (analytics, mocks, zone.js) must not see,
  // delay or break our requests.
  const baseFetch = opts.fetch ?? cleanFetch;
  // The Response of the push in flight. Pushes run one at a time (see `queue`), and mutations are batched
  // apart from queries, so the status and Retry-After read here belong to the push awaiting them.
  let response: Response | undefined;
  let keepalive = false;
  let queue: Promise<unknown> = Promise.resolve();

  const client = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${opts.apiUrl.replace(/\/+$/, '')}/trpc`,
        headers: { 'x-backstop-key': opts.siteKey },
        // Queries go as POST too: browsers omit Origin on same-origin GETs (the demo page), and the server
        // refuses widget calls without one.
        methodOverride: 'POST',
        async fetch(url, init) {
          if (!baseFetch) throw new Error('fetch is not available');
          const push = String(url).includes('signal.push');
          const body = init?.body;
          const res = await baseFetch(url, {
            ...(init as RequestInit),
            keepalive: push && keepalive && typeof body === 'string' && utf8Bytes(body) < KEEPALIVE_MAX_BYTES,
          });
          if (push) response = res;
          return res;
        },
      }),
    ],
  });

  async function push(batch: SignalBatch, k: boolean): Promise<PushOutcome> {
    response = undefined;
    keepalive = k;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const { results } = await client.signal.push.mutate(batch, { signal: abort.signal });
      return { kind: 'ok', results };
    } catch (error) {
      const res = response as Response | undefined;
      const status = res?.status ?? 0;
      // No response at all: offline, DNS, timeout, or a refusal without CORS headers (which the browser
      // reports as a network error). A 2xx we could not read is also worth another try.
      if (status < 400 || status >= 500 || status === 429 || status === 408) {
        return {
          kind: 'retry',
          retryAfterMs: parseRetryAfter(res?.headers.get('retry-after')),
          reason: status ? `HTTP ${status}` : error instanceof Error ? error.message : 'network error',
        };
      }
      const fields = fieldsOf(error);
      // A body that was not tRPC's (a proxy's HTML page) has no data; its parse error means nothing to anyone.
      const message = (error as { data?: unknown }).data && error instanceof Error ? error.message : `HTTP ${status}`;
      return fields ? { kind: 'rejected', status, message, fields } : { kind: 'rejected', status, message };
    } finally {
      clearTimeout(timer);
      keepalive = false;
    }
  }

  const pushUrl = `${opts.apiUrl.replace(/\/+$/, '')}/trpc/signal.push`;

  return {
    siteConfig: () => client.site.config.query(),
    beacon(batch) {
      const body = JSON.stringify(batch);
      if (!baseFetch || utf8Bytes(body) >= KEEPALIVE_MAX_BYTES) return false;
      // tRPC's non-batched mutation wire format: the input as the JSON body.
      baseFetch(pushUrl, {
        method: 'POST',
        keepalive: true,
        headers: { 'content-type': 'application/json', 'x-backstop-key': opts.siteKey },
        body,
      }).catch(() => {});
      return true;
    },
    pushSignals(batch, { keepalive: k }) {
      const run = () => push(batch, k);
      const next = queue.then(run, run);
      queue = next;
      return next;
    },
  };
}
