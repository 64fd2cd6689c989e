/**
 * A small client for `trace.record`, for agent backends that do not use OpenTelemetry: plain `fetch`,
 * no dependencies and no imports at all, so that it builds to one standalone ESM file plus its types
 * (`npm run build:trace-client` → dist/trace-client, exported as `backstop-ai/trace-client`). Sends the
 * site's secret ingest key, retries what is worth retrying (network errors, timeouts, 429, 5xx; honouring
 * Retry-After), and throws TraceClientError otherwise.
 *
 *   const traces = createTraceClient({ url: 'http://localhost:4000', ingestKey: process.env.BACKSTOP_INGEST_KEY! });
 *   const traceId = newTraceId();
 *   await traces.record({ spans: [{ traceId, spanId: newSpanId(), name: 'chat', start: Date.now(), durationMs: 840,
 *     attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' } }] });
 *   // …and pass `traceId` to the widget with the answer.
 *
 * Recording is idempotent per (traceId, spanId), so a retried call never stores a span twice.
 */

// The input is spelled out here rather than inferred from the server's zod schema (shared/trace-record.ts)
// so that the built types need no zod; trace-record.ts fails to compile when the two drift apart.

/** An attribute value as OpenTelemetry allows it: a scalar or a list of scalars (null drops it). */
export type TraceAttributeValue = string | number | boolean | (string | number | boolean)[];
export type TraceAttributes = Record<string, TraceAttributeValue | null>;

/** One span as `trace.record` takes it. */
export interface TraceSpanInput {
  /** 32 hex characters, not all zeros: the id the widget gets with the answer. */
  traceId: string;
  /** 16 hex characters, not all zeros. */
  spanId: string;
  parentSpanId?: string | null | undefined;
  name: string;
  kind?: 'internal' | 'server' | 'client' | 'producer' | 'consumer' | undefined;
  /** ISO 8601 with an offset, or epoch milliseconds. */
  start: string | number;
  durationMs: number;
  /** Default `unset`. */
  status?: 'unset' | 'ok' | 'error' | undefined;
  statusMessage?: string | undefined;
  /** `gen_ai.*` (OpenTelemetry GenAI conventions), `backstop.*` and any others. */
  attributes?: TraceAttributes | undefined;
  events?: { name: string; offsetMs?: number | undefined; attributes?: TraceAttributes | undefined }[] | undefined;
}

/** The input of `trace.record`: 1 to 1,000 spans, and the reporting service's attributes (e.g. `service.name`). */
export interface TraceRecordInput {
  spans: TraceSpanInput[];
  resource?: TraceAttributes | undefined;
}

/** What `trace.record` and `POST /v1/traces` answer: spans stored (new or already there) and refused. */
export interface TraceRecordResult {
  accepted: number;
  rejected: number;
  /** Why spans were refused (at most a few reasons), empty when none were. */
  errors: string[];
  /** The traces whose summary was recomputed. */
  traceIds: string[];
}

export interface TraceClientOptions {
  /** The Backstop server, e.g. `http://localhost:4000`. */
  url: string;
  /** The site's secret ingest key (`sk_…`). Keep it on the server. */
  ingestKey: string;
  /** Retries after the first attempt (default 2). */
  retries?: number;
  /** Per attempt, until the answer is read (default 10 s). */
  timeoutMs?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/**
 * A refusal from the server (or the last failure after retries): `status` is the HTTP status (null when no
 * answer came), `code` tRPC's code (`UNAUTHORIZED`, `BAD_REQUEST`…; `TIMEOUT` or `NETWORK` when no answer
 * came) and `fields` the problems of an invalid input by path, e.g. `{ "spans.0.spanId": "must not be all zeros…" }`.
 */
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

/** The error a refusal becomes: field errors spelled out (tRPC's own message for them is a JSON dump of zod issues). */
function refusal(status: number, answer: TrpcAnswer): TraceClientError {
  const code = answer.error?.data?.code ?? null;
  const fields = answer.error?.data?.fields ?? null;
  let message: string;
  if (fields && Object.keys(fields).length > 0)
    message = `trace.record refused the input (HTTP ${status}): ${Object.entries(fields).map(([field, problem]) => `${field} ${problem}`).join('; ')}`;
  else if (status === 401) message = `trace.record refused the ingest key (HTTP 401): use the site's secret key (sk_…), not its public key`;
  else message = `trace.record answered HTTP ${status}${code ? ` ${code}` : ''}${answer.error?.message ? `: ${answer.error.message}` : ''}`;
  return new TraceClientError(message, status, code, fields);
}

export function createTraceClient(opts: TraceClientOptions) {
  if (typeof opts?.url !== 'string' || !/^https?:\/\//.test(opts.url)) throw new TypeError(`createTraceClient needs url: the Backstop server as http(s)://…, got ${JSON.stringify(opts?.url)}`);
  if (typeof opts.ingestKey !== 'string' || opts.ingestKey.trim() === '') throw new TypeError("createTraceClient needs ingestKey: the site's secret ingest key (sk_…)");
  const endpoint = `${opts.url.replace(/\/+$/, '')}/trpc/trace.record`;
  const doFetch = opts.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new TypeError('createTraceClient needs a fetch implementation: Node 18+ has one, else pass `fetch`');
  const retries = opts.retries ?? 2;
  const timeoutMs = opts.timeoutMs ?? 10_000;

  return {
    /** Stores spans; resolves with how many were accepted and refused. */
    async record(input: TraceRecordInput): Promise<TraceRecordResult> {
      let lastError: TraceClientError | null = null;
      for (let attempt = 0; attempt <= retries; attempt++) {
        let res: Response;
        let answer: TrpcAnswer;
        try {
          // One timer per attempt covers the answer's body too: a server that stalls mid-body is a timeout, not a hang.
          const signal = AbortSignal.timeout(timeoutMs);
          res = await doFetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.ingestKey}` },
            body: JSON.stringify(input),
            signal,
          });
          answer = (await res.json().catch((err: unknown) => {
            if (signal.aborted) throw err;
            return {};
          })) as TrpcAnswer;
        } catch (err) {
          const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
          lastError = new TraceClientError(
            timedOut ? `${endpoint} did not answer within ${timeoutMs} ms` : `Cannot reach ${endpoint}: ${(err as Error).message}`,
            null,
            timedOut ? 'TIMEOUT' : 'NETWORK',
            null,
          );
          if (attempt < retries) await sleep(backoff(attempt + 1, null));
          continue;
        }
        if (res.ok && answer.result?.data) return answer.result.data;
        lastError = refusal(res.status, answer);
        const retryable = res.status === 429 || res.status >= 500;
        if (!retryable || attempt === retries) throw lastError;
        await sleep(backoff(attempt + 1, res.headers.get('retry-after')));
      }
      throw lastError!;
    },
  };
}

export type TraceClient = ReturnType<typeof createTraceClient>;
