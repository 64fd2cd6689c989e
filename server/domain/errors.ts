/** A refusal a client can act on, naming the offending fields (`items.3.rating`), mapped to a tRPC error by the routers. */
export class FieldError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'CONFLICT' | 'FORBIDDEN' | 'PAYLOAD_TOO_LARGE' | 'NOT_FOUND' | 'UNAUTHORIZED',
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}
