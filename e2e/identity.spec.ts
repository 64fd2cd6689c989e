/**
 * End-user identity in a real browser: a separate script (as the customer's server would) signs the user's
 * id with the site's identity secret, made with the CLI; the page passes the token to
 * `Backstop('identify', …)`. The user chats; on another device (a fresh browser context) the same user sees
 * the earlier conversation, opens it and goes on writing in it; the same user id with a bad token sees nothing.
 * Needs the server on PostgreSQL (the CLI runs beside it, and the test reads the stored rows).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test, type Browser, type Page } from '@playwright/test';
import pg from 'pg';
import { API_URL, HOST_URL, stackInfo } from './support/env';
import { ask, messageBox, openChat } from './support/widget';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'bin/backstop.js');
const run = promisify(execFile);

let site: { siteId: string; publicKey: string };
let secret: string;
let db: pg.Pool;

test.describe.configure({ mode: 'serial' });

function cliEnv(): NodeJS.ProcessEnv {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL) throw new Error('The identity e2e needs the server on PostgreSQL: set DATABASE_URL.');
  return { ...process.env, DATABASE_SCHEMA: schema };
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').findLast((l) => l.startsWith('{'))!);

/** The customer's server: a separate process that knows only the secret. */
async function tokenFor(userId: string, key = secret): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(ROOT, 'e2e/support/make-identity-token.mjs'), userId], { cwd: ROOT, env: { ...process.env, BACKSTOP_IDENTITY_SECRET: key } });
  return stdout.trim();
}

/** The customer's page on a device of its own (a fresh browser context: no storage shared with the others). */
async function device(browser: Browser, user: string, token: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const q = new URLSearchParams({ site: site.publicKey, user, name: 'Ada', token, tag: `id${randomBytes(3).toString('hex')}` });
  await page.goto(`${HOST_URL}/identity.html?${q}`);
  return page;
}

const earlier = (page: Page) => page.getByRole('region', { name: 'Earlier conversations' });
const verifyAnswer = (page: Page) => page.waitForResponse((r) => r.url().startsWith(`${API_URL}/trpc/identity.verify`));

async function conversationsOf(userId: string) {
  const { rows } = await db.query<{ id: string; user_verified: boolean; user_claims: Record<string, string> | null }>(
    'select id, user_verified, user_claims from conversations where site_id = $1 and user_id = $2 order by created_at',
    [site.siteId, userId],
  );
  return rows;
}

test.beforeAll(async () => {
  const env = cliEnv();
  site = lastJson((await run(process.execPath, [CLI, 'site', 'create', '--name', 'Identity e2e', '--origin', HOST_URL, '--json'], { cwd: ROOT, env })).stdout);
  secret = lastJson((await run(process.execPath, [CLI, 'site', 'identity-secret', 'rotate', '--site', site.siteId, '--json'], { cwd: ROOT, env })).stdout).secret;
  db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, options: `-c search_path=${stackInfo().schema}` });
});
test.afterAll(async () => {
  await db?.end();
});

test('a verified user finds their conversation on another device; a bad token finds nothing', async ({ browser }) => {
  // Three devices, two token-making processes and a chat: more than the default 30 s on a busy machine.
  test.setTimeout(120_000);
  const user = `u_${randomBytes(4).toString('hex')}`;

  // Device 1: identified with a token from the customer's server, the user chats.
  const first = await device(browser, user, await tokenFor(user));
  const verified = verifyAnswer(first);
  await openChat(first);
  expect(await (await verified).json()).toMatchObject({ result: { data: { verified: true } } });
  await ask(first, 'Where is my parcel?');
  await expect.poll(async () => (await conversationsOf(user)).map((c) => c.user_verified)).toEqual([true]);
  const [started] = await conversationsOf(user);
  await expect
    .poll(async () => (await db.query('select count(*)::int as n from messages where conversation_id = $1', [started!.id])).rows[0].n)
    .toBe(2);

  // Device 2: a fresh browser, the same user, a new token: the earlier conversation is listed and opens.
  const second = await device(browser, user, await tokenFor(user));
  await openChat(second);
  await expect(earlier(second)).toBeVisible();
  const item = earlier(second).getByRole('button');
  await expect(item).toHaveCount(1);
  // The newest message: the question or, a moment later, its answer (which quotes it).
  await expect(item).toContainText('Where is my parcel?');
  await item.click();
  await expect(earlier(second)).toHaveCount(0);
  await expect(second.getByText('Where is my parcel?', { exact: true })).toBeVisible();
  // …and the user goes on writing in it, from this device.
  await messageBox(second).fill('Any news on it?');
  await messageBox(second).press('Enter');
  await expect
    .poll(async () => (await db.query('select text from messages where conversation_id = $1 and role = $2 order by created_at', [started!.id, 'user'])).rows.map((r) => r.text))
    .toEqual(['Where is my parcel?', 'Any news on it?']);

  // Device 3: the same user id with a token signed by someone else: nothing is listed, nothing is unlocked.
  const forged = await device(browser, user, await tokenFor(user, `idsec_${randomBytes(32).toString('base64url')}`));
  const refused = verifyAnswer(forged);
  await openChat(forged);
  expect(await (await refused).json()).toMatchObject({ result: { data: { verified: false } } });
  await expect(earlier(forged)).toHaveCount(0);
  await expect(forged.getByText('Where is my parcel?', { exact: true })).toHaveCount(0);
  // The site is in `optional` mode: the forged identity is kept as an unverified claim on its own conversation only.
  await expect.poll(async () => (await conversationsOf(user)).map((c) => c.user_verified).sort()).toEqual([false, true, true]);
});
