/** Calls one tRPC procedure over real HTTP as a client would, for the matrix and the fuzz suites. */
import { appRouter } from '../routers';
import type { ProcedureType } from './authorization-matrix';

/** The router's procedures, flat (`'review.cases'`, as tRPC v11 keeps them in `_def.procedures`), with their type. */
export function routerProcedures(): Record<string, ProcedureType> {
  const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: ProcedureType } }> } })._def.procedures;
  return Object.fromEntries(Object.entries(procedures).map(([path, p]) => [path, p._def.type]));
}

/** How long an open subscription may stay silent before it counts as allowed (errors come at once). */
const QUIET_STREAM_MS = 750;

export interface CallResult {
  status: number;
  /** 'allow' for a 2xx (or an open stream without an error), else the tRPC error code. */
  outcome: string;
  body: string;
}

function outcomeOf(status: number, body: string): string {
  if (status >= 200 && status < 300) return 'allow';
  try {
    return (JSON.parse(body) as { error: { data: { code: string } } }).error.data.code;
  } catch {
    return `HTTP ${status}: ${body.slice(0, 200)}`;
  }
}

/**
 * Mutations go as POST; queries as GET with `?input=`, or as POST when `post` (the widget sends its
 * queries so); subscriptions as SSE, whose first event decides.
 */
export async function callProcedure(
  base: string,
  path: string,
  type: ProcedureType,
  headers: Record<string, string>,
  input: unknown,
  opts: { post?: boolean } = {},
): Promise<CallResult> {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  if (type === 'subscription') return subscribe(`${base}/trpc/${path}${query}`, headers);
  const post = type === 'mutation' || opts.post === true;
  const res = await fetch(post ? `${base}/trpc/${path}` : `${base}/trpc/${path}${query}`, {
    method: post ? 'POST' : 'GET',
    headers,
    body: post ? JSON.stringify(input ?? {}) : undefined,
  });
  const body = await res.text();
  return { status: res.status, outcome: outcomeOf(res.status, body), body };
}

/** Opens an SSE subscription: an error event gives its code, a data event or a quiet open stream is allowed. */
async function subscribe(url: string, headers: Record<string, string>): Promise<CallResult> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: controller.signal });
  if (res.status !== 200 || !res.body) {
    const body = await res.text();
    return { status: res.status, outcome: outcomeOf(res.status, body), body };
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const quiet = setTimeout(() => controller.abort(), QUIET_STREAM_MS);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      for (const block of text.split('\n\n').slice(0, -1)) {
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? null;
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
        if (event === 'serialized-error') {
          const error = JSON.parse(data) as { data: { code: string; httpStatus: number } };
          return { status: error.data.httpStatus, outcome: error.data.code, body: data };
        }
        if (event === null && data) return { status: 200, outcome: 'allow', body: text };
      }
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(quiet);
    controller.abort();
  }
  return { status: 200, outcome: 'allow', body: text };
}
