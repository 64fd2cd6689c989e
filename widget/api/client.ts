/**
 * The widget's client of the server's tRPC API: two procedures in tRPC's wire format, with `fetch` alone
 * (tRPC's own client, links and observables were a third of widget.js). It turns every answer of
 * `signal.push` into one of three outcomes the outbox acts on (delivered, try again later, refused for
 * good), so no tRPC error shape leaks past this file.
 */
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

/** What one call got back: the response, then the procedure's data or the tRPC error its body held. */
interface Answer {
  res: Response;
  /** The procedure's result (`result.data`); absent when the body held no tRPC result. */
  result?: { data?: unknown };
  /** A tRPC error (numeric `code`); absent for a body that was not tRPC's (a proxy's HTML page). */
  error?: { message?: unknown; data?: unknown };
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';

/** The `message` of a thrown value, whichever realm made it (the clean fetch may be an iframe's). */
const messageOf = (error: unknown): string | undefined => {
  const message = isObject(error) ? error.message : undefined;
  return typeof message === 'string' ? message : undefined;
};

function fieldsOf(error: Answer['error']): Record<string, string> | undefined {
  const fields = isObject(error?.data) ? error.data.fields : undefined;
  return isObject(fields) ? (fields as Record<string, string>) : undefined;
}

export function createApi(opts: { apiUrl: string; siteKey: string; fetch?: typeof fetch }): Api {
  // The browser's own fetch: a host page that wraps or replaces it (analytics, mocks, zone.js) must not see,
  // delay or break our requests.
  const baseFetch = opts.fetch ?? cleanFetch;
  const trpcUrl = `${opts.apiUrl.replace(/\/+$/, '')}/trpc`;
  let queue: Promise<unknown> = Promise.resolve();

  /**
   * One procedure call in tRPC's batch wire format (what httpBatchLink sends for a batch of one: the path
   * with `?batch=1`, the input as `{"0": input}`, the answer as a one-item array). Queries go as POST too: browsers omit
   * Origin on same-origin GETs (the demo page), and the server refuses widget calls without one. Rejects
   * only when no response came (offline, DNS, abort, a refusal without CORS headers).
   */
  async function call(path: string, body: string, init: RequestInit = {}): Promise<Answer> {
    if (!baseFetch) throw new Error('fetch is not available');
    const res = await baseFetch(`${trpcUrl}/${path}?batch=1`, {
      ...init,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-backstop-key': opts.siteKey },
      body,
    });
    // Parsed by the response (objects may come from the clean realm: Array.isArray, not instanceof).
    const json: unknown = await res.json().catch(() => undefined);
    const item = Array.isArray(json) ? json[0] : json;
    if (!isObject(item)) return { res };
    if ('error' in item) return isObject(item.error) && typeof item.error.code === 'number' ? { res, error: item.error } : { res };
    return isObject(item.result) ? { res, result: item.result } : { res };
  }

  async function push(batch: SignalBatch, keepalive: boolean): Promise<PushOutcome> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    let answer: Answer;
    try {
      const body = JSON.stringify({ 0: batch });
      answer = await call('signal.push', body, {
        signal: abort.signal,
        keepalive: keepalive && utf8Bytes(body) < KEEPALIVE_MAX_BYTES,
      });
    } catch (error) {
      // No response at all: offline, DNS, timeout, or a refusal without CORS headers (which the browser
      // reports as a network error).
      return { kind: 'retry', retryAfterMs: undefined, reason: messageOf(error) ?? 'network error' };
    } finally {
      clearTimeout(timer);
    }
    const data = answer.result?.data;
    const results = isObject(data) ? data.results : undefined;
    if (Array.isArray(results)) return { kind: 'ok', results: results as SignalResult[] };
    const { res, error } = answer;
    const status = res.status;
    // A 2xx we could not read is also worth another try.
    if (status < 400 || status >= 500 || status === 429 || status === 408) {
      return { kind: 'retry', retryAfterMs: parseRetryAfter(res.headers.get('retry-after')), reason: `HTTP ${status}` };
    }
    const fields = fieldsOf(error);
    // A body that was not tRPC's (a proxy's HTML page) has no data; its parse error means nothing to anyone.
    const message = error?.data && typeof error.message === 'string' ? error.message : `HTTP ${status}`;
    return fields ? { kind: 'rejected', status, message, fields } : { kind: 'rejected', status, message };
  }

  const pushUrl = `${trpcUrl}/signal.push`;

  return {
    async siteConfig() {
      // A query without input: the batch of one is an empty object.
      const { res, result, error } = await call('site.config', '{}');
      if (!result) throw new Error(typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`);
      return result.data as SiteConfig;
    },
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
