/**
 * Topics and autonomy in a real browser: an admin changes a topic's autonomy (with a reason), defines a topic
 * the agent named but the site had not defined, and adds one, in Settings; each change is in the audit log;
 * then a user's widget offers a person under every answer of the `suggest_handoff` topic and under no other.
 * The site is one of its own (made with the CLI), so no other test's widget changes.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { axeViolations, signIn } from './support/console';
import { API_URL, HOST_URL, stackInfo, type StaffAccount } from './support/env';
import { launcher, messageBox, newTag } from './support/widget';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'bin/backstop.js');
const run = promisify(execFile);

let site: { siteId: string; publicKey: string };
let admin: StaffAccount;
let db: pg.Pool;

function cliEnv(): NodeJS.ProcessEnv {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL) throw new Error('The topics e2e needs the server on PostgreSQL: set DATABASE_URL.');
  return { ...process.env, DATABASE_SCHEMA: schema };
}
const cli = async (args: string[], stdin?: string) =>
  new Promise<string>((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: cliEnv() }, (err, stdout, stderr) => (err ? reject(new Error(`${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
    child.stdin!.end(stdin ?? '');
  });

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const created = await cli(['site', 'create', '--name', 'Topics e2e', '--origin', HOST_URL, '--json']);
  site = JSON.parse(created.trim().split('\n').findLast((l) => l.startsWith('{'))!);
  admin = { email: `admin-${randomBytes(3).toString('hex')}@topics-e2e.example`, password: randomBytes(12).toString('base64url'), displayName: 'Ada' };
  await cli(['staff', 'create', '--email', admin.email, '--role', 'admin', '--site', site.siteId, '--name', 'Ada'], `${admin.password}\n`);
  await cli(['topic', 'set', '--site', site.siteId, '--name', 'refunds', '--cost', 'high']);
  // An answer naming a topic the site has not defined, as the widget sends it.
  const conv = { conversationId: randomUUID(), conversationToken: randomBytes(24).toString('base64url') };
  const res = await fetch(`${API_URL}/trpc/signal.push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: HOST_URL },
    body: JSON.stringify({
      items: [{ kind: 'message', clientEventId: randomUUID(), ...conv, createdAt: new Date().toISOString(), role: 'agent', text: 'Pro is $49 a month.', answer: { id: 'plan-1', confidence: 0.8, topic: 'plan upgrade' } }],
    }),
  });
  expect(res.status).toBe(200);
  db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1, options: `-c search_path=${stackInfo().schema}` });
});
test.afterAll(async () => {
  await db?.end();
});

test('should let an admin change a topic\'s autonomy with a reason, define a seen topic and add one, each audited', async ({ page }) => {
  test.slow();
  await signIn(page, admin);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  const section = page.getByRole('region', { name: 'Topics and autonomy' });
  await expect(section.getByRole('table', { name: 'Topics of this site' }).getByRole('rowheader', { name: 'refunds' })).toBeVisible();

  await section.getByLabel('Autonomy of refunds').selectOption('suggest_handoff');
  await section.getByLabel('Reason for changing the autonomy of refunds').fill('high cost: offer a person every time');
  await section.getByRole('button', { name: 'Save refunds' }).click();
  await expect(section.getByRole('button', { name: 'Save refunds' })).toBeDisabled();
  await expect(section.getByRole('row', { name: /refunds/ })).toContainText(`by ${admin.email}`);

  await expect(section.getByRole('heading', { name: 'Undefined topics seen in answers' })).toBeVisible();
  await section.getByRole('button', { name: 'Define plan upgrade' }).click();
  await expect(section.getByRole('button', { name: 'Save plan upgrade' })).toBeVisible();
  await expect(section.getByRole('heading', { name: 'Undefined topics seen in answers' })).toHaveCount(0);

  const add = section.getByRole('form', { name: 'Add a topic' });
  await add.getByLabel('Name').fill('shipping');
  await add.getByLabel('Failure cost').selectOption('low');
  await add.getByRole('button', { name: 'Add topic' }).click();
  await expect(section.getByRole('rowheader', { name: 'shipping' })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  const { rows } = await db.query<{ action: string; actor: string; target_id: string; details: { reason: string | null; after: { autonomy: string } } }>(
    `select action, actor, target_id, details from audit_log where site_id = $1 and action like 'topic.%' order by id`,
    [site.siteId],
  );
  expect(rows.map((r) => [r.action, r.actor, r.target_id])).toEqual([
    ['topic.create', 'cli', 'refunds'],
    ['topic.set', admin.email, 'refunds'],
    ['topic.create', admin.email, 'plan upgrade'],
    ['topic.create', admin.email, 'shipping'],
  ]);
  expect(rows[1]!.details).toMatchObject({ reason: 'high cost: offer a person every time', after: { autonomy: 'suggest_handoff' } });
});

test('should offer a person under every answer of a suggest_handoff topic, and not under an automatic one', async ({ page }) => {
  await page.goto(`${HOST_URL}/topics.html?key=${site.publicKey}&tag=${newTag('topics')}`);
  await launcher(page).click();
  const answers = page.locator('.msg.agent').filter({ hasText: /^Answer/ });
  await messageBox(page).fill('Where is my parcel?');
  await messageBox(page).press('Enter');
  await expect(answers).toHaveCount(1);
  await expect(answers.nth(0).getByRole('button', { name: 'Talk to a person' })).toHaveCount(0);
  await messageBox(page).fill('Can I get a refund?');
  await messageBox(page).press('Enter');
  await expect(answers).toHaveCount(2);
  await expect(answers.nth(1).getByRole('button', { name: 'Talk to a person' })).toBeVisible();
  await expect(answers.nth(0).getByRole('button', { name: 'Talk to a person' })).toHaveCount(0);
});
