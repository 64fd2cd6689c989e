/**
 * A small client for `trace.record`, for agent backends that do not use OpenTelemetry: plain `fetch`,
 * no dependencies at run time (types only). Sends the site's secret ingest key, retries what is worth
 * retrying (network errors, 429, 5xx; honouring Retry-After), and throws TraceClientError otherwise.
 *
 *   const traces = createTraceClient({ url: 'http://localhost:4000', ingestKey: process.env.BACKSTOP_INGEST_KEY! });
 *   const traceId = newTraceId();
 *   await traces.record({ spans: [{ traceId, spanId: newSpanId(), name: 'chat', start: Date.now(), durationMs: 840,
 *     attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' } }] });
 *   // …and pass `traceId` to the widget with the answer.
 *
 * Recording is idempotent per (traceId, spanId), so a retried call never stores a span twice.
 */
import type { TraceRecordInput, TraceRecordResult } from './trace-record';

export type { TraceRecordInput, TraceRecordResult } from './trace-record';

export interface TraceClientOptions {
  /** The Backstop server, e.g. `http://localhost:4000`. */
  url: string;
  /** The site's secret ingest key (`sk_…`). Keep it on the server. */
  ingestKey: string;
  /** Retries after the first attempt (default 2). */
  retries?: number;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** A refusal from the server (or the last failure after retries), with tRPC's code and the field errors of an invalid input. */
export class TraceClientError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
    readonly fields: Record<string, string> | null,
  ) {
    super(message);
    this.name = 'TraceClientError';
  }
}

const randomHex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
/** A new random trace id (32 hex characters). */
export const newTraceId = () => randomHex(16);
/** A new random span id (16 hex characters). */
export const newSpanId = () => randomHex(8);

const MAX_WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds to wait before retry `attempt` (1-based): Retry-After when given, else jittered backoff. */
function backoff(attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter !== null ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(MAX_WAIT_MS, seconds * 1000);
  return Math.min(MAX_WAIT_MS, 250 * 2 ** (attempt - 1) * (0.5 + Math.random()));
}

interface TrpcAnswer {
  result?: { data?: TraceRecordResult };
  error?: { message?: string; data?: { code?: string; fields?: Record<string, string> } };
}

export function createTraceClient(opts: TraceClientOptions) {
  const endpoint = `${opts.url.replace(/\/+$/, '')}/trpc/trace.record`;
  const doFetch = opts.fetch ?? globalThis.fetch;
  const retries = opts.retries ?? 2;
  const timeoutMs = opts.timeoutMs ?? 10_000;

  return {
    /** Stores spans; resolves with how many were accepted and refused. */
    async record(input: TraceRecordInput): Promise<TraceRecordResult> {
      let lastError: TraceClientError | null = null;
      for (let attempt = 0; attempt <= retries; attempt++) {
        let res: Response;
        try {
          res = await doFetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.ingestKey}` },
            body: JSON.stringify(input),
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (err) {
          lastError = new TraceClientError(`Cannot reach ${endpoint}: ${(err as Error).message}`, null, null, null);
          if (attempt < retries) await sleep(backoff(attempt + 1, null));
          continue;
        }
        const answer = (await res.json().catch(() => ({}))) as TrpcAnswer;
        if (res.ok && answer.result?.data) return answer.result.data;
        lastError = new TraceClientError(
          answer.error?.message ?? `trace.record answered HTTP ${res.status}`,
          res.status,
          answer.error?.data?.code ?? null,
          answer.error?.data?.fields ?? null,
        );
        const retryable = res.status === 429 || res.status >= 500;
        if (!retryable || attempt === retries) throw lastError;
        await sleep(backoff(attempt + 1, res.headers.get('retry-after')));
      }
      throw lastError!;
    },
  };
}

export type TraceClient = ReturnType<typeof createTraceClient>;
