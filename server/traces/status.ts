/**
 * Error answers of `POST /v1/traces` as OTLP/HTTP wants them: a google.rpc.Status in the request's
 * encoding (protobuf in, protobuf out). Shared by the route and by the rate limiter, whose 429 an
 * exporter must be able to read as well.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { otlpTypes } from './proto';

/** google.rpc.Code values used in Status bodies. */
export const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export type Encoding = 'json' | 'protobuf';

/** The encoding a content type names, or null for one OTLP/HTTP does not define. */
export function encodingOf(contentType: string | undefined): Encoding | null {
  const type = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  return null;
}

/** The encoding to answer in: the request's, JSON when it named none OTLP knows. */
export const answerEncoding = (req: FastifyRequest): Encoding => encodingOf(req.headers['content-type']) ?? 'json';

/** Sends `httpStatus` with a google.rpc.Status body of `code` and `message`. */
export function sendStatus(reply: FastifyReply, encoding: Encoding, httpStatus: number, code: number, message: string) {
  reply.code(httpStatus);
  if (encoding === 'protobuf') {
    const { status } = otlpTypes();
    return reply.type('application/x-protobuf').send(Buffer.from(status.encode(status.create({ code, message })).finish()));
  }
  return reply.type('application/json').send({ code, message });
}
