/**
 * Security headers (@fastify/helmet) for the pages people open in a browser: the staff console (and its
 * Review export download) and the demo product. The widget bundle and the API are left as they are: the
 * bundle is loaded cross-origin by customers' pages (CORS-open, `Cross-Origin-Resource-Policy:
 * cross-origin`, set where it is served), and the API answers widget origins with CORS headers of its own.
 */
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The console is a built single-page app: one module script and one stylesheet, both files of its own
 * origin, and fetch/SSE to the same origin. So everything is 'self', with no inline script anywhere
 * (`script-src-attr 'none'` forbids event-handler attributes too). Styles are 'self' only as well: the
 * console's inline styles (Preact `style` props, uPlot's sizing) are set through the CSSOM, which CSP
 * does not govern, so no 'unsafe-inline' is needed; the console e2e suites run under this policy and fail
 * on any `securitypolicyviolation`. No framing at all: the console has buttons worth clickjacking.
 */
export const CONSOLE_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

const CONSOLE_HEADERS: FastifyHelmetOptions = {
  // useDefaults off: helmet's defaults add `upgrade-insecure-requests` (breaks a console served over plain
  // http on a LAN address) and allow inline styles and https: styles, which the console does not need.
  contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};

/**
 * The demo product stands in for a customer's page: it has the inline snippet every embedding page has
 * and loads the widget, so it gets helmet's other headers but no CSP of ours (a customer's CSP is theirs
 * to write; the README says what the widget needs).
 */
const DEMO_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: false,
  frameguard: { action: 'deny' },
};

/** Which header set a path gets; null for the API, the widget bundle, health and the OTLP endpoint. */
export function headerClass(path: string): 'console' | 'demo' | null {
  if (path === '/console' || path.startsWith('/console/') || path === '/review/export') return 'console';
  if (path === '/demo' || path.startsWith('/demo/')) return 'demo';
  return null;
}

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  // Not global: helmet's default Cross-Origin-Resource-Policy (same-origin) would stop customers' pages
  // loading widget.js, and its CSP means nothing on JSON answers.
  await app.register(fastifyHelmet, { global: false });
  app.addHook('onRequest', async (req, reply) => {
    const which = headerClass(req.url.split('?')[0]!);
    if (which === 'console') await reply.helmet(CONSOLE_HEADERS);
    else if (which === 'demo') await reply.helmet(DEMO_HEADERS);
  });
}
