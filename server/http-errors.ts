/** Error bodies for answers sent outside tRPC (413, 429, fastify's own errors), in the shape tRPC clients read. */
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';

type ErrorCode = keyof typeof TRPC_ERROR_CODES_BY_KEY;

/**
 * The error body tRPC clients understand. httpBatchLink hands a body that is not an array to every call
 * of the batch, so one object answers batched and single calls alike.
 */
export function trpcShapedError(httpStatus: number, code: ErrorCode, message: string) {
  return { error: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus } } };
}
