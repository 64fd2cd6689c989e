/** The HTTP server: tRPC at /trpc, the widget bundle, the console, health, plus plugins (the demo). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { MAX_BATCH_BYTES } from '../shared/limits';
import { contextFactory } from './context';
import type { Database } from './db/client';
import { normalizeOrigin } from './domain/origins';
import { createSignalCache } from './domain/signal-cache';
import { createSignalWriter } from './domain/signal-writer';
import { createSiteCache } from './domain/sites';
import { trpcShapedError } from './http-errors';
import { withLogRedaction } from './logging';
import { consoleDistDir, widgetDistDir } from './paths';
import { registerRateLimits, type RateLimitOptions } from './rate-limit';
import { openBus, type Bus } from './realtime/bus';

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's event-log wake-up bus (its listener's state is visible to operators and tests). */
    bus: Bus;
  }
}
import { createPresence } from './realtime/presence';
import { startAlertJob } from './review/alerts';
import { startReviewProjector } from './review/projector';
import { startCalibrationJob } from './review/calibration-job';
import { appRouter, type AppRouter } from './routers';
import { reviewExportRoute } from './review-export-route';
import { registerSecurityHeaders } from './security/headers';
import { signalPushRoute } from './signal-route';
import { createIngestKeyCache } from './traces/ingest-keys';
import { tracesRoute } from './traces/route';
import { startWebhookWorker, type WebhookWorkerOptions } from './webhooks/worker';

export interface AppOptions {
  database: Database;
  logger?: FastifyServerOptions['logger'];
  /** Mark the staff session cookie Secure (PUBLIC_URL is https). */
  secureCookies?: boolean;
  /** Extra plugins with their mount prefix (the demo product). */
  plugins?: { plugin: FastifyPluginAsync<any>; prefix: string; options?: object }[];
  /** Request rate limits; absent means none (tests and benchmarks build apps directly). */
  rateLimit?: RateLimitOptions;
  /** fastify's `trustProxy`: which proxies' X-Forwarded-For to believe for the client IP (default none). */
  trustProxy?: boolean | string[];
  /**
   * Whether sites with an empty origin allowlist are served (any website could use their key). True by
   * default, for local demos; the production composition root decides from the environment.
   */
  allowOpenSites?: boolean;
  /**
   * Who answers `POST /trpc/signal.push`: the direct route (default, see signal-route.ts) or tRPC's
   * adapter like every other procedure (for comparison in tests and benchmarks).
   */
  signalRoute?: 'direct' | 'trpc';
  /** Largest `POST /v1/traces` body in bytes, compressed or inflated (default 4 MiB). */
  tracesBodyLimit?: number;
  /** The webhook delivery worker's settings; `false` runs no worker on this instance (default: one with defaults). */
  webhooks?: WebhookWorkerOptions | false;
  /**
   * The review projector (feedback and escalations into classified cases) and the hourly alert job; `false`
   * runs neither on this instance. `intervalMs`: the projector's pause between passes (default 750).
   * `calibrationIntervalMs`: the refit of calibrated badge thresholds (default 5 minutes).
   */
  review?: { intervalMs?: number; alertIntervalMs?: number; calibrationIntervalMs?: number } | false;
}

/** Room for tRPC's batch envelope around the largest signal batch. */
const BODY_LIMIT = MAX_BATCH_BYTES + 4096;
const CORS_ALLOW_HEADERS = 'content-type, x-backstop-key, trpc-accept, trpc-batch-mode';

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { db } = opts.database;
  const sites = createSiteCache(db, { allowOpenSites: opts.allowOpenSites ?? true });
  // Per-request log lines would drown the start banner and cost time on the ingestion path.
  const app = Fastify({
    // Every log line is redacted (logging.ts): request bodies, headers and failed queries may carry secrets.
    logger: withLogRedaction(opts.logger ?? false),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    trustProxy: opts.trustProxy ?? false,
    // A batched tRPC call names every procedure in one path parameter (`/trpc/a.list,b.list,…`); fastify's default
    // of 100 characters answered a console page's batch of six queries with 414.
    routerOptions: { maxParamLength: 5000 },
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply.code(413).send(trpcShapedError(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than the ${MAX_BATCH_BYTES / 1024} KiB limit of a batch.`));
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error(error);
    return reply.code(status).send(trpcShapedError(status, status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST', status === 500 ? 'Internal server error.' : error.message));
  });

  // Before every other hook, so that a flood is refused before it costs a database lookup.
  if (opts.rateLimit) await registerRateLimits(app, opts.rateLimit, { originAllowed: (origin) => sites.originKnown(origin) });

  // Helmet's headers and a strict CSP for the console and demo pages (not the API or the widget bundle).
  await registerSecurityHeaders(app);

  // CORS for the widget API. Preflights carry no site key, so they are answered for any origin that
  // some site allows; the real request is then checked against its own site (see widgetProcedure).
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/trpc')) return;
    const origin = typeof req.headers.origin === 'string' ? normalizeOrigin(req.headers.origin) : null;
    if (!origin) return;
    const known = await sites.originKnown(origin);
    if (req.method === 'OPTIONS') {
      if (!known) return reply.code(403).send(trpcShapedError(403, 'FORBIDDEN', `Origin ${origin} is not allowed by any site.`));
      return reply
        .code(204)
        .headers({
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': CORS_ALLOW_HEADERS,
          'access-control-max-age': '600',
          vary: 'Origin',
        })
        .send();
    }
    // Early, so that errors raised before tRPC runs (413) are readable; widgetProcedure removes it for a refused origin.
    if (known) reply.headers({ 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after', vary: 'Origin' });
  });

  // tRPC's adapter answers with a web Response whose Vary (trpc-accept, accept) replaces the `Vary: Origin`
  // set above and by widgetProcedure; widget answers depend on the Origin, so caches must key on it too.
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.url.startsWith('/trpc') && Object.prototype.toString.call(payload) === '[object Response]') {
      const headers = (payload as Response).headers;
      const vary = headers.get('vary');
      if (!/(^|,)\s*origin\s*(,|$)/i.test(vary ?? '')) headers.set('vary', vary ? `Origin, ${vary}` : 'Origin');
    }
    return payload;
  });

  // Live updates: this instance's listener on the event log's notifications, and its Inbox presence.
  const bus = await openBus(opts.database, { onListenerError: (err) => app.log.warn({ err }, 'event listener connection lost; reconnecting') });
  const presence = createPresence(db);
  // Webhook deliveries: every instance may send; the queue table keeps them from sending one twice.
  const webhooks =
    opts.webhooks === false ? null : startWebhookWorker(db, bus, { onError: (err) => app.log.warn({ err }, 'webhook worker error'), ...opts.webhooks });
  // Review read model and alerts: every instance may run them; locks keep them from doing any work twice.
  const review =
    opts.review === false
      ? null
      : {
          projector: startReviewProjector(db, { intervalMs: opts.review?.intervalMs, onError: (err) => app.log.warn({ err }, 'review projector error; retrying') }),
          alerts: startAlertJob(db, { intervalMs: opts.review?.alertIntervalMs, onError: (err) => app.log.warn({ err }, 'alert job error; retrying') }),
          calibration: startCalibrationJob(db, {
            intervalMs: opts.review?.calibrationIntervalMs,
            onError: (err) => app.log.warn({ err }, 'calibration refit error; retrying'),
          }),
        };
  app.addHook('onClose', async () => {
    await review?.projector.close();
    await review?.alerts.close();
    await review?.calibration.close();
    await webhooks?.close();
    await presence.close();
    await bus.close();
  });
  app.decorate('bus', bus);

  await app.register(fastifyCookie);
  const signalCache = createSignalCache();
  // One group transaction at a time, on PostgreSQL too: with two in flight the groups were half as large
  // and single-signal requests cost about a fifth more CPU per event (bench/ingest.ts, phase single).
  const signalWriter = createSignalWriter(db, signalCache);
  const ingestKeys = createIngestKeyCache(db);
  const createContext = contextFactory({ db, sites, signalCache, signalWriter, bus, presence, ingestKeys, secureCookies: opts.secureCookies ?? false });
  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = {
    router: appRouter,
    createContext,
    maxBatchSize: 20,
    // Queries go as POST too: browsers always send Origin on a POST (they omit it on same-origin GETs,
    // such as the demo page's site.config), and token-bearing reads keep the token out of URLs and logs.
    allowMethodOverride: true,
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
    },
  };
  await app.register(fastifyTRPCPlugin, { prefix: '/trpc', trpcOptions } satisfies FastifyTRPCPluginOptions<AppRouter>);
  if (opts.signalRoute !== 'trpc') await app.register(signalPushRoute, { prefix: '/trpc', trpcOptions, context: createContext });
  // OTLP/HTTP trace ingestion, in its own scope: raw bodies and a larger body limit than the widget API's.
  await app.register(tracesRoute, { db, ingestKeys, bodyLimit: opts.tracesBodyLimit });

  // The console's eval-dataset download (session cookie, Review roles).
  await app.register(reviewExportRoute, { db });

  app.get('/healthz', async (_req, reply) => {
    try {
      await opts.database.exec('select 1');
      return { ok: true, database: opts.database.kind };
    } catch {
      return reply.code(503).send({ ok: false, database: opts.database.kind, error: 'database unreachable' });
    }
  });

  // The widget bundle is loaded cross-origin by script tags and ESM imports, so it is public and CORS-open.
  if (existsSync(widgetDistDir)) {
    await app.register(fastifyStatic, {
      root: widgetDistDir,
      prefix: '/',
      decorateReply: false,
      index: false,
      wildcard: false,
      allowedPath: (path) => /^\/(widget\.js|widget-live\.js|backstop\.mjs)(\.map)?$/.test(path),
      setHeaders: (res) => {
        res.header('access-control-allow-origin', '*');
        res.header('cache-control', 'public, max-age=300');
        res.header('cross-origin-resource-policy', 'cross-origin');
      },
    });
  } else {
    app.get('/widget.js', (_req, reply) => reply.code(503).type('text/plain').send('widget.js is not built yet: run `npm run build`.'));
  }

  if (existsSync(consoleDistDir)) {
    await app.register(fastifyStatic, { root: consoleDistDir, prefix: '/console/', decorateReply: false, wildcard: false });
    // The console routes in the browser (/console/inbox, /console/conversation/…): any other path without a
    // file extension gets its page, so links and reloads work; a missing asset stays a 404.
    const consoleIndex = readFileSync(path.join(consoleDistDir, 'index.html'), 'utf8');
    app.get('/console/*', (req, reply) =>
      /\.[a-z0-9]+$/i.test(req.url.split('?')[0]!) ? reply.code(404).send({ error: 'Not found' }) : reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(consoleIndex),
    );
  }
  app.get('/console', (_req, reply) => reply.redirect('/console/'));
  app.get('/', (_req, reply) => reply.redirect('/demo/'));
  // Browsers ask for it on every page; answering keeps consoles free of 404 noise.
  app.get('/favicon.ico', (_req, reply) => reply.code(204).send());

  for (const p of opts.plugins ?? []) await app.register(p.plugin, { prefix: p.prefix, ...p.options });
  return app;
}
