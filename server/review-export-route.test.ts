import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { SESSION_COOKIE } from './context';
import type { Database } from './db/client';
import { labelCase } from './domain/review-cases';
import { signIn } from './domain/sessions';
import { createSite, type CreatedSite } from './domain/sites';
import { addStaffToSites, createStaff, type StaffRole } from './domain/staff';
import { ratedAnswer } from './test/review-fixtures';
import { openTestDatabase, testDbKind } from './test/test-db';

let database: Database;
let app: FastifyInstance;
let site: CreatedSite;
let other: CreatedSite;
const cookies: Record<string, string> = {};
const ids: Record<string, string> = {};
const T0 = new Date('2026-03-01T10:00:00Z');
const range = `from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z`;

async function sessionCookie(role: StaffRole, siteIds: string[]): Promise<string> {
  const email = `${role}-${Math.random().toString(36).slice(2)}@example.com`;
  const row = await createStaff(database.db, { email, role, password: 'correct horse battery staple' });
  await addStaffToSites(database.db, row.id, siteIds);
  ids[role] = row.id;
  return `${SESSION_COOKIE}=${(await signIn(database.db, email, 'correct horse battery staple'))!.sessionId}`;
}

beforeAll(async () => {
  database = await openTestDatabase();
  app = await buildApp({ database, webhooks: false });
  site = await createSite(database.db, { name: 'Shop', origins: [] });
  other = await createSite(database.db, { name: 'Other', origins: [] });
  cookies.reviewer = await sessionCookie('reviewer', [site.siteId]);
  cookies.agent = await sessionCookie('agent', [site.siteId]);
  cookies.outsider = await sessionCookie('admin', [other.siteId]);
  ids.negative = (await ratedAnswer(database.db, site.siteId, { at: T0, rating: -1, confidence: 0.9, topic: 'refunds', autoMode: 'tool_failure', rationale: 'timeout' })).caseId;
  ids.positive = (await ratedAnswer(database.db, site.siteId, { at: new Date(T0.getTime() + 60_000), rating: 1, confidence: 0.6, topic: 'billing' })).caseId;
  await ratedAnswer(database.db, site.siteId, { at: new Date('2026-02-01T10:00:00Z'), rating: -1, autoMode: 'unknown' });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

/** What the console must be able to tell from a download: an error status, JSON, and nothing to save as a file. */
function expectJsonRefusal(res: Awaited<ReturnType<typeof download>>, status: number) {
  expect(res.headers['content-disposition']).toBeUndefined();
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json()).toMatchObject({ error: { message: expect.any(String), data: { httpStatus: status } } });
  expect(res.body).not.toContain('caseId');
}

const download = (query: string, cookie?: string) => app.inject({ method: 'GET', url: `/review/export?${query}`, headers: cookie ? { cookie } : {} });

describe(`GET /review/export (${testDbKind})`, () => {
  it("should stream the range's cases as a JSONL attachment", async () => {
    const res = await download(`siteId=${site.siteId}&${range}`, cookies.reviewer);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="backstop-cases-2026-03-02.jsonl"');
    const rows = res.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.caseId)).toEqual([ids.positive, ids.negative]);
    expect(rows[1]).toMatchObject({ input: 'When is my next bill?', failureModes: [{ mode: 'tool_failure', rationale: 'timeout' }] });
  });

  it('should apply the case-list filters, and show a relabel', async () => {
    await labelCase(database.db, ids.negative!, { mode: 'context_drift', staffId: ids.reviewer! });
    const res = await download(`siteId=${site.siteId}&${range}&mode=context_drift&rating=negative&escalated=false&confidenceBand=high`, cookies.reviewer);
    const rows = res.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.caseId, r.humanLabel])).toEqual([[ids.negative, 'context_drift']]);
  });

  it('should answer an empty body when nothing matches', async () => {
    const res = await download(`siteId=${site.siteId}&${range}&topic=nothing`, cookies.reviewer);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it.each([
    ['no session', undefined, 401],
    ['an agent', 'agent', 403],
    ['a staff member of another site', 'outsider', 404],
  ])('should refuse %s with a JSON error and no attachment', async (_name, who, status) => {
    const res = await download(`siteId=${site.siteId}&${range}`, who ? cookies[who] : undefined);
    expect(res.statusCode).toBe(status);
    expectJsonRefusal(res, status);
  });

  it('should refuse bad filters with 400 naming the field, as JSON and no attachment', async () => {
    const res = await download(`siteId=${site.siteId}&mode=bogus&escalated=maybe`, cookies.reviewer);
    expect(res.statusCode).toBe(400);
    expectJsonRefusal(res, 400);
    expect(Object.keys(res.json().error.data.fields).sort()).toEqual(['escalated', 'mode']);
  });

  it('should answer a database failure with a JSON 500, not a 200 attachment', async () => {
    // The same database, except that the export's queries fail (sessions use the query builder, not execute).
    const failing = new Proxy(database.db, {
      get: (target, prop, receiver) => (prop === 'execute' ? () => Promise.reject(new Error('connection lost')) : Reflect.get(target, prop, receiver)),
    });
    const broken = await buildApp({ database: Object.assign(Object.create(database) as Database, { db: failing }), webhooks: false, logger: false });
    try {
      const res = await broken.inject({ method: 'GET', url: `/review/export?siteId=${site.siteId}&${range}`, headers: { cookie: cookies.reviewer! } });
      expect(res.statusCode).toBe(500);
      expectJsonRefusal(res, 500);
    } finally {
      await broken.close();
    }
  });
});
