/**
 * The floor under the ingest figures: a fastify server configured like the real one, whose
 * `POST /trpc/signal.push` parses the JSON body and answers each item `stored` in tRPC's batched form,
 * with no validation, tRPC or database. What a request costs before Backstop does anything.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';

export async function startBareServer(): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = Fastify({ logger: false, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 256 * 1024 + 4096 });
  app.post('/trpc/signal.push', async (req) => {
    const body = req.body as { 0?: { items?: { clientEventId: string }[] } };
    const results = (body[0]?.items ?? []).map((i) => ({ clientEventId: i.clientEventId, status: 'stored' }));
    return [{ result: { data: { results } } }];
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('bare server has no TCP address');
  return { app, baseUrl: `http://127.0.0.1:${address.port}` };
}
