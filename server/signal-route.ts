/**
 * `POST /trpc/signal.push`, the ingestion hot path, as a plain fastify route. tRPC's fastify adapter
 * turns every request into a fetch `Request` and its answer into a `Response`, and its middleware chain
 * copies the context at every step, which together cost more than storing a small batch. This route
 * runs the procedure's steps in the procedure's order (the same widget access check with its CORS
 * headers, the same input schema, the same resolver) and answers with tRPC's own error shaping and
 * formatter, so clients cannot tell the difference (signal-route.test.ts compares the two). Anything but the two forms the widget sends (`?batch=1` with `{"0": input}`, and the
 * input as the body) is handed to tRPC's handler unchanged, so unusual requests get tRPC's answers.
 */
import { fastifyRequestHandler, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { getTRPCErrorFromUnknown, getTRPCErrorShape, transformTRPCResponse, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { signalBatchInput, type SignalBatch } from '../shared/schemas';
import type { ContextInner } from './context';
import { FieldError } from './domain/errors';
import { appRouter, type AppRouter } from './routers';
import { pushSignals } from './routers/signal';
import { admitWidget, domainError } from './trpc';

const PATH = 'signal.push';

export interface SignalRouteOptions {
  /** The options tRPC's plugin runs with; unusual requests are handed to its handler with them. */
  trpcOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];
  /** Builds the request's context (the same factory tRPC's plugin uses). */
  context(opts: { req: FastifyRequest; res: FastifyReply }): ContextInner;
}

/** The input of a request in one of the widget's two forms, or null for anything tRPC should answer itself. */
function widgetInput(req: FastifyRequest): { input: unknown; batch: boolean } | null {
  if (typeof req.body !== 'string' || req.body.length === 0 || req.headers['trpc-accept'] !== undefined) return null;
  const type = req.headers['content-type']?.split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/json') return null;
  const batch = (req.query as Record<string, unknown>).batch === '1';
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    return null;
  }
  if (!batch) return { input: body, batch };
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as Record<string, unknown>)['0'] === undefined) return null;
  return { input: (body as Record<string, unknown>)['0'], batch };
}

/** `signal.push` in the order its middlewares run: access check and CORS headers, input schema (as tRPC reports it), resolver. */
async function callPush(ctx: ContextInner, input: unknown) {
  const site = await admitWidget(ctx);
  let batch: SignalBatch;
  try {
    batch = await signalBatchInput.parseAsync(input);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', cause });
  }
  return pushSignals(ctx, site, batch);
}

/** Registers the route; mount it with the same prefix as tRPC's plugin (`/trpc`). */
export const signalPushRoute: FastifyPluginAsync<SignalRouteOptions> = async (app, { trpcOptions, context }) => {
  const config = appRouter._def._config;
  // Bodies stay strings here, as inside tRPC's plugin, so that a request can be handed to tRPC as it came.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post(`/${PATH}`, async (req, reply) => {
    const call = widgetInput(req);
    if (!call) return fastifyRequestHandler({ ...trpcOptions, req, res: reply, path: PATH });
    const { input, batch } = call;
    const ctx = context({ req, res: reply });
    let status = 200;
    let item: object;
    try {
      item = { result: { data: await callPush(ctx, input) } };
    } catch (cause) {
      const error = cause instanceof FieldError ? domainError(cause) : getTRPCErrorFromUnknown(cause);
      trpcOptions.onError?.({ error, path: PATH, input, ctx, type: 'mutation', req });
      status = getHTTPStatusCodeFromError(error);
      item = { error: getTRPCErrorShape({ config, error, type: 'mutation', path: PATH, input, ctx }) };
    }
    const body = transformTRPCResponse(config, (batch ? [item] : item) as never);
    // tRPC's own Vary values are kept next to the procedure's `Vary: Origin` (which tRPC's adapter overwrites).
    const vary = reply.getHeader('vary');
    reply.header('vary', vary ? `${String(vary)}, trpc-accept, accept` : 'trpc-accept, accept');
    // A Buffer, so that fastify sends the content type exactly as tRPC does (no charset parameter).
    return reply.code(status).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
  });
};
