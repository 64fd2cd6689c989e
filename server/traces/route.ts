/**
 * `POST /v1/traces`: OTLP/HTTP, as stock OpenTelemetry exporters send it (protobuf from Python's and Go's
 * defaults, JSON from others), optionally gzipped, with the site's secret ingest key as a bearer token.
 * Answers follow the OTLP/HTTP specification: 200 with an ExportTraceServiceResponse (a partialSuccess
 * when spans were refused), or a google.rpc.Status with 400 (undecodable), 401 (key), 413 (size), 415
 * (content type or encoding), 503 with Retry-After (storage unavailable); 429 comes from the rate limits
 * that guard every route. Every answer uses the request's encoding: protobuf in, protobuf out.
 *
 * Registered in its own plugin scope, so its raw-body parser and its body limit (4 MiB by default)
 * replace the 256 KiB JSON limit of the widget API here only.
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCb, type InputType, type ZlibOptions } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/client';
import { UndecodableBody, type DecodedRequest } from './incoming';
import { bearerKey, type IngestKeyCache } from './ingest-keys';
import { decodeJson } from './otlp-json';
import { decodeProtobuf } from './otlp-protobuf';
import { otlpTypes } from './proto';
import { answerEncoding, encodingOf, RPC, sendStatus, type Encoding } from './status';
import { ingestSpans, StorageError } from './store';

const gunzip = promisify(gunzipCb) as (buf: InputType, options: ZlibOptions) => Promise<Buffer>;

/** Default largest body, compressed or inflated. Exporters batch 512 spans by default, far below this. */
export const DEFAULT_TRACES_BODY_LIMIT = 4 * 1024 * 1024;
/** Seconds an exporter is asked to wait when storage is unavailable. */
const RETRY_AFTER_SECONDS = 5;

export interface TracesRouteOptions {
  db: Db;
  ingestKeys: IngestKeyCache;
  /** Largest body in bytes, before and after gzip inflation. */
  bodyLimit?: number;
}

/**
 * 200 with an ExportTraceServiceResponse: a partialSuccess when spans were refused, or (the spec lets a
 * server warn with rejected 0 and a message) when the request held nothing that was recognised.
 */
function sendExportResponse(reply: FastifyReply, encoding: Encoding, rejected: number, errors: string[], warning?: string) {
  const partial =
    rejected > 0 ? { rejectedSpans: rejected, errorMessage: `${rejected} span(s) refused: ${errors.join('; ')}` } : warning ? { rejectedSpans: 0, errorMessage: warning } : null;
  if (encoding === 'protobuf') {
    const { response } = otlpTypes();
    const message = response.create(partial ? { partialSuccess: partial } : {});
    return reply.code(200).type('application/x-protobuf').send(Buffer.from(response.encode(message).finish()));
  }
  // int64 as a decimal string, as protobuf's JSON mapping writes it (and, like it, left out when 0).
  const json = partial && (rejected > 0 ? { ...partial, rejectedSpans: String(rejected) } : { errorMessage: partial.errorMessage });
  return reply.code(200).type('application/json').send(json ? { partialSuccess: json } : {});
}

const SITE = Symbol('backstop.traceSite');
type WithSite = FastifyRequest & { [SITE]?: string };

export const tracesRoute: FastifyPluginAsync<TracesRouteOptions> = async (app, opts) => {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_TRACES_BODY_LIMIT;

  // Bodies stay raw bytes here: protobuf, JSON or gzip of either, decoded by the handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, req, reply) => {
    const encoding = answerEncoding(req);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return sendStatus(reply, encoding, 413, RPC.RESOURCE_EXHAUSTED, `Request body is larger than the ${bodyLimit} byte limit; send smaller batches.`);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return sendStatus(reply, encoding, error.statusCode, RPC.INVALID_ARGUMENT, error.message);
    req.log.error(error);
    return sendStatus(reply, encoding, 500, RPC.INTERNAL, 'Internal server error.');
  });

  app.post('/v1/traces', {
    bodyLimit,
    // Before the body is read: a request without a valid key costs no upload, no inflation, no decoding.
    onRequest: async (req, reply) => {
      const encoding = answerEncoding(req);
      if (!encodingOf(req.headers['content-type']))
        return sendStatus(reply, encoding, 415, RPC.INVALID_ARGUMENT, 'Content-Type must be application/x-protobuf or application/json (OTLP/HTTP).');
      const contentEncoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (contentEncoding !== 'gzip' && contentEncoding !== 'identity')
        return sendStatus(reply, encoding, 415, RPC.INVALID_ARGUMENT, `Content-Encoding ${contentEncoding} is not supported; send gzip or no encoding.`);
      const key = bearerKey(req.headers.authorization);
      if (!key) return sendStatus(reply, encoding, 401, RPC.UNAUTHENTICATED, 'Send the site secret ingest key as "Authorization: Bearer sk_…".');
      let siteId: string | null;
      try {
        siteId = await opts.ingestKeys.siteFor(key);
      } catch (err) {
        req.log.error({ err }, 'ingest key lookup failed');
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        return sendStatus(reply, encoding, 503, RPC.UNAVAILABLE, 'Storage is unavailable; retry later.');
      }
      if (!siteId) return sendStatus(reply, encoding, 401, RPC.UNAUTHENTICATED, 'The ingest key is not valid for any site.');
      (req as WithSite)[SITE] = siteId;
    },
    handler: async (req, reply) => {
      const encoding = encodingOf(req.headers['content-type'])!;
      const siteId = (req as WithSite)[SITE]!;
      let body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (String(req.headers['content-encoding'] ?? '').trim().toLowerCase() === 'gzip') {
        try {
          body = await gunzip(body, { maxOutputLength: bodyLimit });
        } catch (err) {
          if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
            return sendStatus(reply, encoding, 413, RPC.RESOURCE_EXHAUSTED, `Inflated body is larger than the ${bodyLimit} byte limit; send smaller batches.`);
          return sendStatus(reply, encoding, 400, RPC.INVALID_ARGUMENT, `Body is not valid gzip: ${(err as Error).message}`);
        }
      }

      let decoded: DecodedRequest;
      try {
        decoded = encoding === 'protobuf' ? decodeProtobuf(body) : decodeJson(body.toString('utf8'));
      } catch (err) {
        if (err instanceof UndecodableBody) return sendStatus(reply, encoding, 400, RPC.INVALID_ARGUMENT, err.message);
        throw err;
      }

      let result;
      try {
        result = await ingestSpans(opts.db, siteId, decoded);
      } catch (err) {
        // A bug of ours is a 500 (the error handler logs it): a 503 would have the exporter retry, then drop, the batch.
        if (!(err instanceof StorageError)) throw err;
        // Storing is idempotent, so the exporter's retry is safe whatever failed; the cause is logged.
        req.log.error({ err }, 'storing spans failed');
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        return sendStatus(reply, encoding, 503, RPC.UNAVAILABLE, 'Storage is unavailable; retry later.');
      }
      return sendExportResponse(reply, encoding, result.rejected, result.errors, decoded.warning);
    },
  });
};
