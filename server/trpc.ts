/**
 * The one initTRPC of the server. We export only the base procedures the app may use, so every
 * procedure states who may call it, and the two steps of widgetProcedure (access check, domain
 * errors) that the direct signal.push route (signal-route.ts) runs without tRPC's middleware chain.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type { Context } from './context';
import { FieldError } from './domain/errors';
import { sessionStaff } from './domain/sessions';
import type { Site } from './domain/sites';
import { checkWidgetAccess } from './domain/widget-access';

/** Flattens validation issues (zod or any Standard Schema) into `{ "items.3.rating": message }`. */
export function flattenIssues(cause: unknown): Record<string, string> | undefined {
  if (cause instanceof FieldError) return cause.fields;
  const issues = (cause as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(issues)) return undefined;
  const fields: Record<string, string> = {};
  for (const issue of issues as { path?: readonly (PropertyKey | { key: PropertyKey })[]; message?: string }[]) {
    const key = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || '_';
    fields[key] ??= issue.message ?? 'is invalid';
  }
  return fields;
}

const t = initTRPC.context<Context>().create({
  // Never send stacks to clients, whatever NODE_ENV says.
  isDev: false,
  // Pings keep idle SSE streams open through proxies; clients reconnect (with lastEventId) if they stop.
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
  errorFormatter({ shape, error }) {
    const serverFault = error.code === 'INTERNAL_SERVER_ERROR';
    const fields = serverFault ? undefined : flattenIssues(error.cause);
    return {
      message: serverFault ? 'Internal server error. It has been logged; please try again later.' : shape.message,
      code: shape.code,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...(fields ? { fields } : {}) },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** A domain refusal as the tRPC error clients get, with its field map. */
export function domainError(cause: FieldError): TRPCError {
  return new TRPCError({ code: cause.code, message: cause.message, cause });
}

/** Maps domain refusals to tRPC errors with their field map. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof FieldError) throw domainError(result.error.cause);
  return result;
});

export const publicProcedure = t.procedure.use(domainErrors);

/**
 * Widget calls: the site is named by its public key (`x-backstop-key`), and the request's Origin must
 * be on the site's allowlist. CORS headers are sent only for an allowed origin.
 */
export const widgetProcedure = publicProcedure.use(async ({ ctx, next }) => next({ ctx: { ...ctx, site: await admitWidget(ctx) } }));

/** The widget access check with its CORS headers; the site, or the tRPC error to answer with. */
export async function admitWidget(ctx: Context): Promise<Site> {
  const access = await checkWidgetAccess(ctx.sites, ctx);
  if (!access.ok) {
    if (access.code === 'FORBIDDEN') {
      ctx.removeHeader('access-control-allow-origin');
      ctx.removeHeader('access-control-expose-headers');
    }
    throw new TRPCError({ code: access.code, message: access.message });
  }
  if (ctx.origin) {
    ctx.setHeader('access-control-allow-origin', ctx.origin);
    ctx.setHeader('access-control-expose-headers', 'retry-after');
    ctx.setHeader('vary', 'Origin');
  }
  return access.site;
}

/**
 * Agent backends reporting traces (`trace.record`): the site's secret ingest key as
 * `Authorization: Bearer sk_…`, the same key `POST /v1/traces` takes. `ctx.siteId` is the key's site.
 */
export const ingestProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.ingestKey) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Send the site secret ingest key as "Authorization: Bearer sk_…".' });
  const siteId = await ctx.ingestKeys.siteFor(ctx.ingestKey);
  if (!siteId) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The ingest key is not valid for any site.' });
  return next({ ctx: { ...ctx, siteId } });
});

/**
 * Refuses mutations without the CSRF header and a JSON body. Browsers let any site send simple
 * cross-site POSTs (forms) with cookies attached; they never let it set a custom header.
 */
export const csrfProcedure = publicProcedure.use(async ({ ctx, type, next }) => {
  if (type === 'mutation' && !ctx.csrf)
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Staff requests must send a JSON body and the header x-backstop-csrf: 1.' });
  return next();
});

/**
 * Staff calls: a live session (cookie), with the staff member's role and sites in `ctx.staff`. Role
 * and site membership are checked per procedure (domain/staff-access.ts).
 */
export const staffProcedure = csrfProcedure.use(async ({ ctx, next }) => {
  if (!ctx.sessionId) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to the console first.' });
  const staff = await sessionStaff(ctx.db, ctx.sessionId);
  if (!staff) {
    ctx.setSessionCookie(null);
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Your session has ended; sign in again.' });
  }
  return next({ ctx: { ...ctx, staff } });
});
