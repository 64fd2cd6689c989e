/**
 * Log redaction: whatever a log line carries (a message, an error with the failed query and its
 * parameters, a request, a plain object) passes through domain/redact.ts before it is written, and
 * values under secret-bearing keys (authorization, cookie, password, token…) are replaced whole, since
 * a password or a conversation token has no pattern to recognise it by. It applies to every log line
 * of every site, whatever a site's storage setting: logs leave the database's access controls.
 */
import type { FastifyServerOptions } from 'fastify';
import { isPlainObject, PLACEHOLDER, redactText } from './domain/redact';

/** fastify's logger options (pino's, which fastify does not export by name). */
type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

/** Keys whose values are secrets whatever they look like. */
const SECRET_KEY = /pass(?:word)?$|secret|token|ticket|authorization|cookie|api[-_]?key|ingest[-_]?key|session[-_]?id/i;
const MAX_DEPTH = 8;

/** A log value with secret keys censored and every string redacted; class instances other than errors are left to serializers. */
export function redactForLog(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactForLog(v, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v != null && v !== '' ? PLACEHOLDER.secret : redactForLog(v, depth + 1);
  return out;
}

/** An error as logged: its class, message, stack, own fields (a failed query's text and parameters) and cause, all redacted. */
export function errorForLog(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error) || depth >= 4) return redactForLog(err);
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (k !== 'cause') own[k] = v;
  return redactForLog({
    type: err.constructor?.name ?? 'Error',
    message: err.message,
    stack: err.stack,
    ...own,
    ...(err.cause !== undefined ? { cause: errorForLog(err.cause, depth + 1) } : {}),
  });
}

/** The request as logged: method, path and peer; never headers, and the query string (tRPC input, tickets) left out. */
function requestSerializer(req: { method?: string; url?: string; host?: string; ip?: string }) {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  return { method: req.method, url: redactText(query < 0 ? url : `${url.slice(0, query)}?…`), host: req.host, remoteAddress: req.ip };
}

const redactingLoggerOptions: LoggerOptions = {
  serializers: {
    err: (err: Error) => errorForLog(err) as { type: string; message: string; stack: string },
    req: requestSerializer,
    res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
  },
  formatters: { log: (object: Record<string, unknown>) => redactForLog(object) as Record<string, unknown> },
  hooks: {
    logMethod(args: unknown[], method: (...args: unknown[]) => void) {
      method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)));
    },
  },
  // Belt and braces for anything a future serializer passes through: header secrets by path.
  redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', '*.headers.authorization', '*.headers.cookie'], censor: PLACEHOLDER.secret },
};

/** fastify's `logger` option with redaction added; `false` stays off. */
export function withLogRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const given = logger === true ? {} : (logger as LoggerOptions);
  return { level: 'info', ...given, ...redactingLoggerOptions, serializers: { ...given.serializers, ...redactingLoggerOptions.serializers } } as FastifyServerOptions['logger'];
}
