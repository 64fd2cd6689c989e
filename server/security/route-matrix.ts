/**
 * Who may use every HTTP route that is not a tRPC procedure (those are in authorization-matrix.ts), and
 * which security headers each sends. route-matrix.test.ts reads the app's routes from fastify itself: a
 * route without a row here fails it, and so does a row that matches no route. Keys are `METHOD /path`;
 * `*` as the method matches any, and a path ending in `**` matches by prefix (hashed console assets).
 */
import type { InjectOptions } from 'fastify';
import { SESSION_COOKIE } from '../context';
import { hex, jsonBody } from '../test/otlp-fixtures';
import type { StaffMember, World } from './matrix-world';
import { FOREIGN_ORIGIN, OTHER_SITE_ORIGIN, SITE_ORIGIN } from './matrix-world';

/**
 * console: helmet's headers with the console CSP; demo: helmet's headers without a CSP; bundle: loadable
 * by any page (CORS `*`, CORP cross-origin); api: no page headers (CORS is the API's own business).
 */
export type HeaderClass = 'console' | 'demo' | 'bundle' | 'api';

export interface RouteCase {
  /** Who is asking, in words (shown on failure). */
  as: string;
  request: (w: World) => InjectOptions | Promise<InjectOptions>;
  status: number;
  /** The case stores spans for site A (every other case must leave site A's rows as they were). */
  stores?: true;
  /** Further checks on the answer (CORS headers, nothing stored, the redirect target). */
  check?: (res: { headers: Record<string, unknown>; body: string }, w: World) => void | Promise<void>;
}

export interface RouteRow {
  headers: HeaderClass;
  cases: RouteCase[];
}

const staffCookie = (who: StaffMember) => ({ cookie: `${SESSION_COOKIE}=${who.sessionId}` });
const exportUrl = (siteId: string) => `/review/export?siteId=${siteId}`;
const otlp = (authorization?: string): ((w: World) => InjectOptions) => () => ({
  method: 'POST',
  url: '/v1/traces',
  headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  payload: JSON.stringify(jsonBody([{ traceId: hex(16) }])),
});
const get = (url: string, headers: Record<string, string> = {}) => (): InjectOptions => ({ method: 'GET', url, headers });
const redirectsTo =
  (location: string): RouteCase['check'] =>
  (res) => {
    if (res.headers.location !== location) throw new Error(`redirects to ${String(res.headers.location)}, not ${location}`);
  };
/** CORS for the widget API: an allowed Origin echoed exactly with Vary: Origin; nothing for any other. */
const corsEchoes =
  (origin: string): RouteCase['check'] =>
  (res) => {
    if (res.headers['access-control-allow-origin'] !== origin) throw new Error(`access-control-allow-origin is ${String(res.headers['access-control-allow-origin'])}, not ${origin}`);
    if (!/\bOrigin\b/.test(String(res.headers.vary ?? ''))) throw new Error(`Vary is ${String(res.headers.vary)}, without Origin`);
  };
const noCors: RouteCase['check'] = (res) => {
  const cors = Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));
  if (cors.length) throw new Error(`a refused origin got CORS headers: ${cors.join(', ')}`);
};
const preflight = (origin: string) => (): InjectOptions => ({
  method: 'OPTIONS',
  url: '/trpc/site.config',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-backstop-key' },
});
const siteConfig = (key: (w: World) => string, origin: string) => (w: World): InjectOptions => ({
  method: 'POST',
  url: '/trpc/site.config',
  headers: { 'content-type': 'application/json', 'x-backstop-key': key(w), origin },
  payload: '{}',
});
const bundle = (path: string): RouteRow => ({
  headers: 'bundle',
  cases: [{ as: 'any page', request: get(path, { origin: FOREIGN_ORIGIN }), status: 200 }],
});
const consolePage = (path: string): RouteRow => ({ headers: 'console', cases: [{ as: 'anyone (the page holds no data)', request: get(path), status: 200 }] });

export const routeMatrix: Record<string, RouteRow> = {
  'GET /': { headers: 'api', cases: [{ as: 'anyone', request: get('/'), status: 302, check: redirectsTo('/demo/') }] },
  'GET /healthz': { headers: 'api', cases: [{ as: 'anyone', request: get('/healthz'), status: 200 }] },
  'GET /favicon.ico': { headers: 'api', cases: [{ as: 'anyone', request: get('/favicon.ico'), status: 204 }] },

  // Every procedure and caller is in authorization-matrix.ts; here, CORS as the widget's browser sees it.
  '* /trpc/:path': {
    headers: 'api',
    cases: [
      { as: 'preflight from an allowed origin', request: preflight(SITE_ORIGIN), status: 204, check: corsEchoes(SITE_ORIGIN) },
      { as: 'preflight from an origin no site allows', request: preflight(FOREIGN_ORIGIN), status: 403, check: noCors },
      { as: "site A's widget on its origin", request: siteConfig((w) => w.site.publicKey, SITE_ORIGIN), status: 200, check: corsEchoes(SITE_ORIGIN) },
      { as: "site A's key from a foreign origin", request: siteConfig((w) => w.site.publicKey, FOREIGN_ORIGIN), status: 403, check: noCors },
      // B's origin is known (so a preflight passes), but it is not A's: the real request is refused without CORS headers.
      { as: "site A's key from site B's origin", request: siteConfig((w) => w.site.publicKey, OTHER_SITE_ORIGIN), status: 403, check: noCors },
      { as: 'an unknown procedure', request: async (w) => ({ ...(await siteConfig((x) => x.site.publicKey, SITE_ORIGIN)(w)), url: '/trpc/no.such' }), status: 404 },
    ],
  },
  // The direct route for signal.push (same checks as the procedure; its callers are in the procedure matrix).
  'POST /trpc/signal.push': {
    headers: 'api',
    cases: [
      {
        as: "site A's key from a foreign origin",
        request: (w) => ({ method: 'POST', url: '/trpc/signal.push', headers: { 'content-type': 'application/json', 'x-backstop-key': w.site.publicKey, origin: FOREIGN_ORIGIN }, payload: '{"items":[]}' }),
        status: 403,
        check: noCors,
      },
      {
        as: 'no site key',
        request: () => ({ method: 'POST', url: '/trpc/signal.push', headers: { 'content-type': 'application/json', origin: SITE_ORIGIN }, payload: '{"items":[]}' }),
        status: 401,
      },
    ],
  },

  'POST /v1/traces': {
    headers: 'api',
    cases: [
      { as: 'no key', request: otlp(), status: 401 },
      { as: 'a wrong key', request: otlp('Bearer sk_not_a_real_key_0123456789'), status: 401 },
      { as: "site A's public key", request: (w) => otlp(`Bearer ${w.site.publicKey}`)(w), status: 401 },
      // Site B's key stores into site B only (the test counts site A's spans around every case).
      { as: "site B's ingest key", request: (w) => otlp(`Bearer ${w.otherSite.ingestKey}`)(w), status: 200 },
      { as: "site A's ingest key", request: (w) => otlp(`Bearer ${w.site.ingestKey}`)(w), status: 200, stores: true },
    ],
  },

  'GET /review/export': {
    headers: 'console',
    cases: [
      { as: 'anonymous', request: (w) => get(exportUrl(w.site.siteId))(), status: 401 },
      { as: "site A's widget", request: (w) => get(exportUrl(w.site.siteId), { 'x-backstop-key': w.site.publicKey, origin: SITE_ORIGIN })(), status: 401 },
      { as: 'agent', request: (w) => get(exportUrl(w.site.siteId), staffCookie(w.staff.agent))(), status: 403 },
      { as: 'reviewer', request: (w) => get(exportUrl(w.site.siteId), staffCookie(w.staff.reviewer))(), status: 200 },
      { as: 'admin', request: (w) => get(exportUrl(w.site.siteId), staffCookie(w.staff.admin))(), status: 200 },
      { as: 'admin of site B only', request: (w) => get(exportUrl(w.site.siteId), staffCookie(w.staff.outsiderAdmin))(), status: 404 },
    ],
  },

  'GET /widget.js': bundle('/widget.js'),
  'GET /widget-live.js': bundle('/widget-live.js'),
  'GET /backstop.mjs': bundle('/backstop.mjs'),

  'GET /console': { headers: 'console', cases: [{ as: 'anyone', request: get('/console'), status: 302, check: redirectsTo('/console/') }] },
  'GET /console/': consolePage('/console/'),
  'GET /console/index.html': consolePage('/console/index.html'),
  'GET /console/assets/**': { headers: 'console', cases: [] }, // filled from the built files (their names are hashed)
  'GET /console/*': {
    headers: 'console',
    cases: [
      { as: 'a console route', request: get('/console/review/cases'), status: 200 },
      { as: 'a missing asset', request: get('/console/assets/missing.js'), status: 404 },
    ],
  },

  'GET /demo/': { headers: 'demo', cases: [{ as: 'anyone', request: get('/demo/'), status: 200 }] },
  'GET /demo': { headers: 'demo', cases: [{ as: 'anyone', request: get('/demo'), status: 301, check: redirectsTo('/demo/') }] },
  'GET /demo/index.html': { headers: 'demo', cases: [{ as: 'anyone', request: get('/demo/index.html'), status: 200 }] },
  'GET /demo/wrap': { headers: 'demo', cases: [{ as: 'anyone', request: get('/demo/wrap'), status: 200 }] },
  'GET /demo/**': { headers: 'demo', cases: [{ as: 'anyone', request: get('/demo/demo.css'), status: 200 }] },
  'POST /demo/agent': {
    headers: 'demo',
    cases: [{ as: 'anyone (a mock agent, no data)', request: () => ({ method: 'POST', url: '/demo/agent', headers: { 'content-type': 'application/json' }, payload: '{}' }), status: 400 }],
  },
};
