/** Request context. `createContextInner` takes no HTTP objects, so tests build callers from it directly. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Db } from './db/client';
import { createSignalCache, type SignalCache } from './domain/signal-cache';
import { createSignalWriter, type SignalWriter } from './domain/signal-writer';
import { createSiteCache, type SiteCache } from './domain/sites';
import type { Bus } from './realtime/bus';
import { bearerKey, createIngestKeyCache, type IngestKeyCache } from './traces/ingest-keys';
import { createPresence, type Presence } from './realtime/presence';

/** Name of the staff session cookie. */
export const SESSION_COOKIE = 'backstop_session';
/** Header staff mutations must carry (with a JSON body): a cross-site form or a simple request cannot send it. */
export const CSRF_HEADER = 'x-backstop-csrf';

export interface ContextInner {
  db: Db;
  sites: SiteCache;
  /** Immutable conversation and message facts, shared by the requests of one server. */
  signalCache: SignalCache;
  /** Stores signal batches, grouping concurrent requests into shared transactions. */
  signalWriter: SignalWriter;
  /** Origin header of the request (null when absent: same-origin GET or non-browser client). */
  origin: string | null;
  /** Public site key the widget sends in `x-backstop-key`. */
  siteKey: string | null;
  userAgent: string | null;
  /** The client's address (fastify's `req.ip`, which honours `trustProxy`); null outside HTTP. */
  ip: string | null;
  /** The site secret ingest key from `Authorization: Bearer sk_…` (agent backends reporting traces). */
  ingestKey: string | null;
  /** Resolves ingest keys to sites (cached briefly). */
  ingestKeys: IngestKeyCache;
  /** HTTP method of the request (null outside HTTP, e.g. in tests and server-side calls). */
  method: string | null;
  /** Wakes live subscriptions; null where live updates are not running. */
  bus: Bus | null;
  presence: Presence;
  /** tRPC connection params of the request (httpSubscriptionLink `connectionParams`, re-read on every reconnect). */
  connectionParams: Record<string, string | undefined> | null;
  /** The staff session id from the cookie. */
  sessionId: string | null;
  /** Whether the request carries the CSRF header and a JSON body (checked for staff mutations). */
  csrf: boolean;
  /** Sets (or with null, clears) the staff session cookie. */
  setSessionCookie(sessionId: string | null): void;
  /** Sets a response header (no-op outside HTTP). */
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
}

export function createContextInner(opts: { db: Db } & Partial<Omit<ContextInner, 'db'>>): ContextInner {
  const signalCache = opts.signalCache ?? createSignalCache();
  return {
    db: opts.db,
    sites: opts.sites ?? createSiteCache(opts.db, { ttlMs: 0 }),
    signalCache,
    signalWriter: opts.signalWriter ?? createSignalWriter(opts.db, signalCache),
    origin: opts.origin ?? null,
    siteKey: opts.siteKey ?? null,
    userAgent: opts.userAgent ?? null,
    ip: opts.ip ?? null,
    ingestKey: opts.ingestKey ?? null,
    ingestKeys: opts.ingestKeys ?? createIngestKeyCache(opts.db, { ttlMs: 0 }),
    method: opts.method ?? null,
    bus: opts.bus ?? null,
    presence: opts.presence ?? createPresence(opts.db),
    connectionParams: opts.connectionParams ?? null,
    sessionId: opts.sessionId ?? null,
    csrf: opts.csrf ?? false,
    setSessionCookie: opts.setSessionCookie ?? (() => {}),
    setHeader: opts.setHeader ?? (() => {}),
    removeHeader: opts.removeHeader ?? (() => {}),
  };
}

const header = (req: FastifyRequest, name: string): string | null => {
  const v = req.headers[name];
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 500) : null;
};

/** The session cookie: HttpOnly, SameSite=Strict, Secure when the server is reached over https, ending with the browser session. */
function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure, maxAge: undefined };
}

/** Builds the context of one HTTP request. */
export function contextFactory(base: {
  db: Db;
  sites: SiteCache;
  signalCache: SignalCache;
  signalWriter: SignalWriter;
  bus: Bus | null;
  presence: Presence;
  secureCookies: boolean;
  ingestKeys?: IngestKeyCache;
}) {
  const { secureCookies, ...rest } = base;
  const shared = { ...rest, ingestKeys: rest.ingestKeys ?? createIngestKeyCache(rest.db) };
  return ({ req, res, info }: { req: FastifyRequest; res: FastifyReply; info?: { connectionParams: Record<string, string | undefined> | null } }): ContextInner =>
    createContextInner({
      ...shared,
      connectionParams: info?.connectionParams ?? null,
      origin: header(req, 'origin'),
      siteKey: header(req, 'x-backstop-key'),
      userAgent: header(req, 'user-agent'),
      ip: req.ip || null,
      ingestKey: bearerKey(header(req, 'authorization')),
      method: req.method,
      sessionId: req.cookies?.[SESSION_COOKIE] || null,
      csrf: req.headers[CSRF_HEADER] === '1' && /^application\/json\b/i.test(String(req.headers['content-type'] ?? '')),
      setSessionCookie: (id) =>
        void (id === null ? res.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookies)) : res.setCookie(SESSION_COOKIE, id, sessionCookieOptions(secureCookies))),
      setHeader: (name, value) => void res.header(name, value),
      removeHeader: (name) => void res.removeHeader(name),
    });
}

export type Context = ContextInner;
