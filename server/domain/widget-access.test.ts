import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/client';
import { conversation, TEST_ORIGIN, userMessage } from '../test/fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { createSite, type CreatedSite } from './sites';

let database: Database;
let browserOnly: CreatedSite;
let serverSenders: CreatedSite;
let open: CreatedSite;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  browserOnly = await createSite(database.db, { name: 'Browser only', origins: [TEST_ORIGIN] });
  serverSenders = await createSite(database.db, { name: 'Agent backend', origins: [TEST_ORIGIN], allowServerSenders: true });
  open = await createSite(database.db, { name: 'Local demo', origins: [] });
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await database.close();
});

async function app(allowOpenSites?: boolean) {
  const a = await buildApp({ database, ...(allowOpenSites === undefined ? {} : { allowOpenSites }) });
  apps.push(a);
  return a;
}

const push = (a: FastifyInstance, site: CreatedSite, origin?: string) =>
  a.inject({
    method: 'POST',
    url: '/trpc/signal.push',
    headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, ...(origin ? { origin } : {}) },
    payload: JSON.stringify({ items: [userMessage(conversation())] }),
  });

describe(`widget access (${testDbKind})`, () => {
  it('should refuse a request without an Origin with 403 saying how to allow server senders', async () => {
    const res = await push(await app(), browserOnly);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('without an Origin header');
    expect(res.json().error.message).toContain('--allow-server-senders');
  });

  it('should store a request without an Origin for a site that allows server senders', async () => {
    const res = await push(await app(), serverSenders);
    expect(res.statusCode).toBe(200);
    expect(res.json()[0] ?? res.json()).toMatchObject({ result: { data: { results: [{ status: 'stored' }] } } });
  });

  it('should refuse a site with an empty allowlist with 403 naming the fix when open sites are not served', async () => {
    const res = await push(await app(false), open, TEST_ORIGIN);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('empty origin allowlist');
    expect(res.json().error.message).toContain(`backstop site add-origin --site ${open.publicKey}`);
  });

  it('should serve a site with an empty allowlist to any origin when open sites are allowed', async () => {
    const res = await push(await app(true), open, 'https://anywhere.example');
    expect(res.statusCode).toBe(200);
  });

  it('should answer site.config sent as POST (as the widget sends it), so same-origin pages carry an Origin', async () => {
    const res = await (await app()).inject({
      method: 'POST',
      url: '/trpc/site.config?batch=1',
      headers: { 'content-type': 'application/json', 'x-backstop-key': browserOnly.publicKey, origin: TEST_ORIGIN },
      payload: '{}',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()[0].result.data.name).toBe('Browser only');
  });
});
