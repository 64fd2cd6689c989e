/**
 * The route matrix: every non-tRPC route of the app as the demo server mounts it (read from fastify, so a
 * new route cannot be missed), called as the cases of route-matrix.ts, with the security headers of its
 * class. A refused request stores nothing (site A's spans are counted around every case).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlugin } from '../../demo/plugin';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { spans } from '../db/schema';
import { consoleDistDir, demoPagesDir, widgetDistDir } from '../paths';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { CONSOLE_CSP } from './headers';
import { buildWorld, type World } from './matrix-world';
import { routeMatrix, type HeaderClass, type RouteCase } from './route-matrix';

let database: Database;
let app: FastifyInstance;
let w: World;

beforeAll(async () => {
  database = await openTestDatabase();
  w = await buildWorld(database.db);
  app = await buildApp({
    database,
    webhooks: false,
    review: false,
    plugins: [{ plugin: demoPlugin, prefix: '/demo', options: { siteKey: w.site.publicKey, widgetSrc: '/widget.js', pagesDir: demoPagesDir, maxDelayMs: 0 } }],
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

/**
 * The app's routes as `METHOD /path`, from `printRoutes({ commonPrefix: false })`: a tree whose nodes hold
 * path pieces (each child continues its parent's path) and, in parentheses, the methods. HEAD is left out
 * (fastify adds it to every GET).
 */
export function appRoutes(instance: FastifyInstance): string[] {
  const routes = new Set<string>();
  const stack: { depth: number; path: string }[] = [];
  for (const line of instance.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)(?:[├└]── )?(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m || !m[2]) continue;
    const depth = m[1]!.length / 4;
    while (stack.length && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const full = (stack[stack.length - 1]?.path ?? '') + m[2];
    stack.push({ depth, path: full });
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) routes.add(`${method} ${full}`);
  }
  return [...routes].sort();
}

function rowFor(route: string): string | undefined {
  const [method, routePath] = route.split(' ') as [string, string];
  const keys = Object.keys(routeMatrix);
  const matches = (key: string) => {
    const [m, p] = key.split(' ') as [string, string];
    if (m !== '*' && m !== method) return false;
    return p.endsWith('**') ? routePath.startsWith(p.slice(0, -2)) && routePath !== p.slice(0, -2) : p === routePath;
  };
  // An exact key wins over a prefix key.
  return keys.find((k) => !k.endsWith('**') && matches(k)) ?? keys.find(matches);
}

const consoleCsp = Object.entries(CONSOLE_CSP)
  .map(([directive, values]) => `${directive} ${values.join(' ')}`)
  .join(';');

function checkHeaders(which: HeaderClass, headers: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const want = (name: string, value: string | RegExp | undefined) => {
    const got = headers[name] as string | undefined;
    const ok = value === undefined ? got === undefined : typeof value === 'string' ? got === value : value.test(got ?? '');
    if (!ok) problems.push(`${name}: ${got ?? '(absent)'}, expected ${value ?? '(absent)'}`);
  };
  switch (which) {
    case 'console':
      want('content-security-policy', consoleCsp);
      want('x-frame-options', 'DENY');
      want('x-content-type-options', 'nosniff');
      want('referrer-policy', 'no-referrer');
      want('cross-origin-opener-policy', 'same-origin');
      want('strict-transport-security', /max-age=\d+/);
      break;
    case 'demo':
      want('content-security-policy', undefined);
      want('x-frame-options', 'DENY');
      want('x-content-type-options', 'nosniff');
      break;
    case 'bundle':
      want('access-control-allow-origin', '*');
      want('cross-origin-resource-policy', 'cross-origin');
      want('content-security-policy', undefined);
      break;
    case 'api':
      want('content-security-policy', undefined);
      want('cross-origin-resource-policy', undefined);
      break;
  }
  return problems;
}

async function siteSpans(): Promise<number> {
  const [row] = await database.db.select({ n: count() }).from(spans).where(eq(spans.siteId, w.site.siteId));
  return Number(row!.n);
}

async function runCase(which: HeaderClass, c: RouteCase): Promise<string[]> {
  const before = await siteSpans();
  const res = await app.inject(await c.request(w));
  const problems = res.statusCode === c.status ? [] : [`status ${res.statusCode}, expected ${c.status} (${res.body.slice(0, 160)})`];
  problems.push(...checkHeaders(which, res.headers));
  try {
    await c.check?.({ headers: res.headers, body: res.body }, w);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const after = await siteSpans();
  if (!c.stores && after !== before) problems.push(`site A's spans went from ${before} to ${after}`);
  if (c.stores && after === before) problems.push("nothing was stored for site A");
  return problems.map((p) => `${c.as}: ${p}`);
}

describe(`route matrix: every non-tRPC route (${testDbKind})`, () => {
  it('should be run against a built widget and console', () => {
    // Without dist/ the static routes are missing and the matrix would pass on less than production has.
    expect(existsSync(widgetDistDir) && existsSync(consoleDistDir), 'run `npm run build` first').toBe(true);
  });

  it('should have a row for every route, and a route for every row', () => {
    const routes = appRoutes(app);
    const missing = routes.filter((r) => !rowFor(r));
    expect(missing, `add these routes to server/security/route-matrix.ts`).toEqual([]);
    const used = new Set(routes.map(rowFor));
    const stale = Object.keys(routeMatrix).filter((k) => !used.has(k));
    expect(stale, 'these rows of route-matrix.ts match no route: remove them').toEqual([]);
  });

  it.each(Object.keys(routeMatrix))('%s', async (key) => {
    const row = routeMatrix[key]!;
    const cases = [...row.cases];
    if (key === 'GET /console/assets/**')
      for (const file of readdirSync(path.join(consoleDistDir, 'assets'))) cases.push({ as: file, request: () => ({ method: 'GET', url: `/console/assets/${file}` }), status: 200 });
    expect(cases.length, `${key} has no cases`).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const c of cases) problems.push(...(await runCase(row.headers, c)));
    expect(problems, key).toEqual([]);
  });
});
