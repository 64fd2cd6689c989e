/**
 * Request rate limits (@fastify/rate-limit): per client IP on every route, per site key + client IP on
 * the widget API, per conversation on `signal.push`, and per ingest key on `POST /v1/traces`. Counters live
 * in Redis when a URL is given (so every instance shares them), in process memory otherwise (see MemoryStore).
 * A refusal is a 429 with `Retry-After` and a tRPC-shaped body with, for an allowed origin, the CORS headers
 * the widget needs to read it; on `/v1/traces`, a google.rpc.Status in the request's encoding, as OTLP
 * exporters read it.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { normalizeOrigin } from './domain/origins';
import { sha256 } from './domain/secrets';
import { trpcShapedError } from './http-errors';
import { MemoryStore } from './rate-limit-memory-store';
import { bearerKey } from './traces/ingest-keys';
import { answerEncoding, RPC, sendStatus } from './traces/status';

export interface RateLimitOptions {
  /** Requests per window from one client IP, on every route (static files, demo, console, health, tRPC). */
  perIp: number;
  /** Requests per window to the widget API for one site key from one client IP. */
  perSiteClient: number;
  /** `signal.push` requests per window that carry signals of one conversation. */
  perConversation: number;
  /** `POST /v1/traces` requests per window with one ingest key, from every address (default DEFAULT_RATE_LIMITS). */
  perIngestKey?: number;
  /** Window length in ms (default one minute). */
  windowMs?: number;
  /** `redis://…`: share the counters between instances. Absent: counters per instance. */
  redisUrl?: string;
  /** Prefix of the Redis keys (default `backstop-rl:`). */
  namespace?: string;
  /** A Redis command slower than this (ms) counts as the store being down and the request passes (default 250). */
  redisCommandTimeoutMs?: number;
}

/**
 * Defaults, per minute. A person's widget sends a few requests a minute; an outbox drain after an outage
 * sends batches of up to 500 signals back to back, so a handful of requests. A whole office may share one
 * IP, so the per-IP limits leave room for a hundred people at once. An exporter sends a batch every 5 s
 * (sooner once 512 spans wait), so 1,200 a minute per ingest key is a hundred instances on that timer.
 */
export const DEFAULT_RATE_LIMITS = { perIp: 1200, perSiteClient: 600, perConversation: 60, perIngestKey: 1200 } as const;

/** Most distinct conversations of one batch that are counted, so a crafted body cannot cost many store calls. */
const MAX_COUNTED_CONVERSATIONS = 10;
/** A store that does not answer within this time is treated as down (fail open). */
const REDIS_COMMAND_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 60_000;

// The widget's outbox serialises with JSON.stringify, so ids appear as `"conversationId":"<uuid>"`. Scanning
// the raw body finds them without parsing it twice (tRPC parses it later). A body that hides ids behind
// escapes only escapes this limit; the per-site limit still applies.
const CONVERSATION_ID = /"conversationId"\s*:\s*"([0-9a-fA-F-]{36})"/g;

/** The distinct conversation ids a `signal.push` body names (at most MAX_COUNTED_CONVERSATIONS). */
export function conversationIdsOf(body: unknown): string[] {
  const ids = new Set<string>();
  if (typeof body === 'string') {
    for (const m of body.matchAll(CONVERSATION_ID)) {
      ids.add(m[1]!.toLowerCase());
      if (ids.size >= MAX_COUNTED_CONVERSATIONS) break;
    }
  } else if (body && typeof body === 'object') {
    // A parsed body: tRPC's batch envelope `{ "0": { items } }`, or the input itself.
    const inputs = Array.isArray((body as { items?: unknown }).items) ? [body] : Object.values(body);
    for (const input of inputs) {
      const items = (input as { items?: unknown } | null)?.items;
      if (!Array.isArray(items)) continue;
      for (const item of items) {
        const id = (item as { conversationId?: unknown } | null)?.conversationId;
        if (typeof id === 'string') ids.add(id.toLowerCase());
        if (ids.size >= MAX_COUNTED_CONVERSATIONS) return [...ids];
      }
    }
  }
  return [...ids];
}

const isWidgetApi = (url: string) => url.startsWith('/trpc/') || url === '/trpc';
const isTracesIngest = (url: string) => url.split('?', 1)[0] === '/v1/traces';
const isSignalPush = (url: string) => url.startsWith('/trpc/') && url.slice(6).split('?')[0]!.includes('signal.push');

/** The key the limiter of the current check counts under (set just before each check). */
const LIMIT_KEY = Symbol('backstop.rateLimitKey');
type Keyed = FastifyRequest & { [LIMIT_KEY]?: string };

/**
 * Registers the limits on `app`. `originAllowed` says whether an origin may read answers (CORS), so a
 * 429 to the widget carries the same CORS headers as its other answers.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  opts: RateLimitOptions,
  deps: { originAllowed(origin: string): Promise<boolean> },
): Promise<void> {
  const windowMs = opts.windowMs ?? 60_000;
  let lastWarning = 0;
  const warn = (err: unknown) => {
    if (Date.now() - lastWarning < WARN_EVERY_MS) return;
    lastWarning = Date.now();
    app.log.warn(`Rate limit store unreachable (${err instanceof Error ? err.message : String(err)}): requests are let through unlimited until it answers.`);
  };

  let redis: Redis | undefined;
  if (opts.redisUrl) {
    redis = new Redis(opts.redisUrl, {
      // Fail fast instead of queueing while Redis is down: a waiting limiter would hold every request.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.redisCommandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
    });
    redis.on('error', warn);
    app.addHook('onClose', async () => void redis!.disconnect());
    // Commands fail while not connected, so give the first connection a moment before serving.
    const client = redis;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done).off('error', done);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      client.once('ready', done).once('error', done);
    });
  }

  await app.register(fastifyRateLimit, {
    global: false,
    timeWindow: windowMs,
    nameSpace: opts.namespace ?? 'backstop-rl:',
    keyGenerator: (req) => (req as Keyed)[LIMIT_KEY] ?? req.ip,
    ...(redis ? { redis } : { store: MemoryStore }),
  });

  const limiter = (max: number) => app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: (req) => (req as Keyed)[LIMIT_KEY] ?? req.ip });
  const byIp = limiter(opts.perIp);
  const bySiteClient = limiter(opts.perSiteClient);
  const byConversation = limiter(opts.perConversation);
  const byIngestKey = limiter(opts.perIngestKey ?? DEFAULT_RATE_LIMITS.perIngestKey);

  /** Counts one request under `key`; the seconds to wait when over the limit, else null. Fails open. */
  async function over(check: ReturnType<typeof limiter>, req: FastifyRequest, key: string): Promise<number | null> {
    (req as Keyed)[LIMIT_KEY] = key;
    try {
      const result = await check(req);
      if (result.isAllowed || !result.isExceeded) return null;
      return Math.max(1, result.ttlInSeconds);
    } catch (err) {
      warn(err);
      return null;
    }
  }

  async function refuse(req: FastifyRequest, reply: FastifyReply, retryAfter: number, what: string) {
    const message = `Too many requests ${what}; try again in ${retryAfter} s.`;
    // OTLP exporters read a google.rpc.Status (protobuf to a protobuf request) and honour Retry-After.
    if (isTracesIngest(req.url)) return sendStatus(reply.header('retry-after', String(retryAfter)), answerEncoding(req), 429, RPC.RESOURCE_EXHAUSTED, message);
    const origin = typeof req.headers.origin === 'string' ? normalizeOrigin(req.headers.origin) : null;
    if (origin && (await deps.originAllowed(origin).catch(() => false)))
      reply.headers({ 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after', vary: 'Origin' });
    return reply
      .code(429)
      .header('retry-after', String(retryAfter))
      .send(trpcShapedError(429, 'TOO_MANY_REQUESTS', message));
  }

  app.addHook('onRequest', async (req, reply) => {
    const ipWait = await over(byIp, req, `ip:${req.ip}`);
    if (ipWait !== null) return refuse(req, reply, ipWait, 'from this address');
    if (isTracesIngest(req.url)) {
      const key = bearerKey(req.headers.authorization);
      if (!key) return;
      // Counted under the key's digest: the secret itself never becomes a counter name (in Redis, say).
      const keyWait = await over(byIngestKey, req, `ingest:${sha256(key).slice(0, 32)}`);
      if (keyWait !== null) return refuse(req, reply, keyWait, 'with this ingest key');
      return;
    }
    if (!isWidgetApi(req.url)) return;
    const siteKey = req.headers['x-backstop-key'];
    if (typeof siteKey !== 'string' || !siteKey) return;
    const siteWait = await over(bySiteClient, req, `site:${siteKey.slice(0, 100)}:${req.ip}`);
    if (siteWait !== null) return refuse(req, reply, siteWait, 'for this site from this address');
  });

  // After body parsing, so the conversation ids are known.
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' || !isSignalPush(req.url)) return;
    const siteKey = String(req.headers['x-backstop-key'] ?? '').slice(0, 100);
    let wait: number | null = null;
    for (const id of conversationIdsOf(req.body)) {
      const w = await over(byConversation, req, `conv:${siteKey}:${id}`);
      if (w !== null) wait = Math.max(wait ?? 0, w);
    }
    if (wait !== null) return refuse(req, reply, wait, 'for this conversation');
  });
}
