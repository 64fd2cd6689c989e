/**
 * The demo product as a fastify plugin, registered under `/demo`: the product page and the wrap-mode page
 * (HTML templates filled per request), their static assets, and `POST /agent`, the mock agent. With `tracing`,
 * the agent reports a trace of every answer over OTLP and gives the widget its ids, as a customer's agent would.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { nextBillDate } from './account';
import { replyTo } from './agent';
import { renderTemplate } from './template';
import { TurnCounter } from './turn-counter';
import { createDemoTracing, type DemoTracingOptions } from './tracing';

export interface DemoOptions {
  /** public key of the seeded demo site */
  siteKey: string;
  /** e.g. '/widget.js' or 'http://localhost:4000/widget.js' */
  widgetSrc: string;
  /** Folder of the page templates and assets; see `defaultPagesDir`. */
  pagesDir?: string;
  /** Upper bound on the agent's simulated thinking time, in ms (at most, and by default, 2000). */
  maxDelayMs?: number;
  /**
   * Where the mock agent sends its traces (`url` + the demo site's `ingestKey`, or an `exporter`).
   * Without it, answers carry random trace ids that no trace backs.
   */
  tracing?: DemoTracingOptions;
}

/** Longest message the demo agent accepts, in characters. */
export const MAX_DEMO_MESSAGE = 4000;
const MAX_DELAY_MS = 2000;

/** The body of `POST /demo/agent`: what the widget sends in chat mode with `data-agent-url`. */
export const agentRequestSchema = z.object({
  conversationId: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  message: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_DEMO_MESSAGE, `must be at most ${MAX_DEMO_MESSAGE} characters`),
});

/** URL path (under the prefix) → template file. */
const PAGES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/wrap': 'wrap.html',
  '/wrap.html': 'wrap.html',
};

/**
 * Where the pages are when no `pagesDir` is given. The server is bundled by vite into dist/server/*.js, where
 * `import.meta.url` points into dist and not next to this file; so `demo/pages` under the working directory
 * (the package root, as `npm start` and the tests run) comes first, the folder beside this module second.
 */
function defaultPagesDir(): string {
  const fromCwd = path.resolve(process.cwd(), 'demo/pages');
  return existsSync(fromCwd) ? fromCwd : fileURLToPath(new URL('./pages/', import.meta.url));
}

/** Turns zod issues into a flat `{ field: message }` map, the first message per field. */
function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.join('.') || 'body';
    fields[field] ??= issue.message;
  }
  return fields;
}

/** Serves the demo product and its mock agent. */
export const demoPlugin: FastifyPluginAsync<DemoOptions> = async (fastify, options) => {
  if (typeof options.siteKey !== 'string' || typeof options.widgetSrc !== 'string')
    throw new Error('demoPlugin needs the options siteKey and widgetSrc (strings)');
  const pagesDir = options.pagesDir ?? defaultPagesDir();
  const maxDelayMs = Math.min(Math.max(options.maxDelayMs ?? MAX_DELAY_MS, 0), MAX_DELAY_MS);
  const turns = new TurnCounter();
  const tracing = options.tracing ? createDemoTracing(options.tracing) : null;
  // Sends the last answers' spans; by then the server refuses new requests, so the exporter's timeout bounds this.
  if (tracing) fastify.addHook('onClose', () => tracing.shutdown());

  // Read once at boot so a missing page fails the start, not the first visitor; filled per request
  // because the bill date moves with the clock.
  const templates = new Map<string, string>();
  for (const file of new Set(Object.values(PAGES))) templates.set(file, await readFile(path.join(pagesDir, file), 'utf8'));

  // Scoped to this plugin: malformed JSON and oversized bodies get the same `{ error, fields }` shape as zod errors.
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: error.message, fields: {} });
    request.log.error(error);
    return reply.code(500).send({ error: 'The demo failed unexpectedly' });
  });

  await fastify.register(fastifyStatic, {
    root: pagesDir,
    prefix: '/',
    index: false,
    // The server may register @fastify/static elsewhere; decorating the reply twice would fail.
    decorateReply: false,
    // Templates are only served filled in, by the routes below.
    allowedPath: (pathName) => !pathName.endsWith('.html'),
  });

  for (const [route, file] of Object.entries(PAGES)) {
    fastify.get(route, async (request: FastifyRequest, reply: FastifyReply) => {
      // `/demo` without the slash would resolve the pages' relative asset URLs against `/`.
      const urlPath = request.url.split('?')[0] ?? '';
      if (route === '/' && !urlPath.endsWith('/')) return reply.redirect(`${urlPath}/`, 301);
      const html = renderTemplate(templates.get(file) ?? '', {
        SITE_KEY: options.siteKey,
        WIDGET_SRC: options.widgetSrc,
        NEXT_BILL_DATE: nextBillDate(new Date()),
      });
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
    });
  }

  fastify.post('/agent', { bodyLimit: 64 * 1024 }, async (request, reply) => {
    const parsed = agentRequestSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: 'Invalid request to the demo agent', fields: fieldErrors(parsed.error) });
    const startedAt = new Date();
    const turn = turns.next(parsed.data.conversationId);
    const { scenario, answer, delayMs, httpStatus } = replyTo({ ...parsed.data, turn });
    await sleep(Math.min(delayMs, maxDelayMs));
    if (tracing) {
      // The trace's ids replace the random ones: the widget joins the answer to the spans through them.
      const ids = tracing.record({ scenario, message: parsed.data.message, turn, conversationId: parsed.data.conversationId, answer }, startedAt);
      answer.traceId = ids.traceId;
      answer.spanId = ids.spanId;
    }
    if (httpStatus === 500) return reply.code(500).send({ error: 'The demo agent failed on purpose (you asked for "agent error")' });
    return reply.send(answer);
  });
};
