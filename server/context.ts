/** Request context. `createContextInner` takes no HTTP objects, so tests build callers from it directly. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from './db/client';
import { createSignalCache, type SignalCache } from './domain/signal-cache';
import { createSignalWriter, type SignalWriter } from './domain/signal-writer';
import { createSiteCache, type SiteCache } from './domain/sites';

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
  /** Sets a response header (no-op outside HTTP). */
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
}

export function createContextInner(opts: { db: Db } & Partial<Omit<ContextInner, 'db'>>): ContextInner {
  const signalCache = opts.signalCache ?? createSignalCache();
  return {
    db: opts.db,
    sites: opts.sites ?? createSiteCache(opts.db, 0),
    signalCache,
    signalWriter: opts.signalWriter ?? createSignalWriter(opts.db, signalCache),
    origin: opts.origin ?? null,
    siteKey: opts.siteKey ?? null,
    userAgent: opts.userAgent ?? null,
    setHeader: opts.setHeader ?? (() => {}),
    removeHeader: opts.removeHeader ?? (() => {}),
  };
}

const header = (req: FastifyRequest, name: string): string | null => {
  const v = req.headers[name];
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 500) : null;
};

/** Builds the context of one HTTP request. */
export function contextFactory(base: { db: Db; sites: SiteCache; signalCache: SignalCache; signalWriter: SignalWriter }) {
  return ({ req, res }: { req: FastifyRequest; res: FastifyReply }): ContextInner =>
    createContextInner({
      ...base,
      origin: header(req, 'origin'),
      siteKey: header(req, 'x-backstop-key'),
      userAgent: header(req, 'user-agent'),
      setHeader: (name, value) => void res.header(name, value),
      removeHeader: (name) => void res.removeHeader(name),
    });
}

export type Context = ContextInner;
