/**
 * Calibrated badges and production readiness in a real browser: an admin of a site with a history of rated
 * answers opens Readiness (seven checks, the missing traces failing observability), then switches the badges
 * to calibrated under Review → Calibration and sees the fitted thresholds, which the widget's config carries.
 * The site is its own, made with the CLI; its history is written with SQL (the projector's suites test how
 * cases are made).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { axeViolations, signIn } from './support/console';
import { API_URL, HOST_URL, stackInfo, type StaffAccount } from './support/env';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'bin/backstop.js');
const run = promisify(execFile);

function cliEnv(): NodeJS.ProcessEnv {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL) throw new Error('This e2e needs the server on PostgreSQL: set DATABASE_URL (npm test does).');
  return { ...process.env, DATABASE_SCHEMA: schema };
}

let site: { siteId: string; publicKey: string };
let admin: StaffAccount;
let db: pg.Pool;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const env = cliEnv();
  db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2, options: `-c search_path=${env.DATABASE_SCHEMA}` });
  const tag = randomBytes(3).toString('hex');
  const { stdout } = await run(process.execPath, [CLI, 'site', 'create', '--name', `Trust E2E ${tag}`, '--origin', HOST_URL, '--json'], { cwd: ROOT, env });
  site = JSON.parse(stdout.trim().split('\n').findLast((l) => l.startsWith('{'))!);
  admin = { email: `admin-${tag}@trust-e2e.example`, password: randomBytes(12).toString('base64url'), displayName: 'Ada Admin' };
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, 'staff', 'create', '--email', admin.email, '--role', 'admin', '--site', site.siteId, '--name', 'Ada Admin'], { cwd: ROOT, env }, (err, _o, stderr) =>
      err ? reject(new Error(`staff create failed: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin!.end(`${admin.password}\n`);
  });
  // 220 answers of the last days, none traced, all rated: refunds 150 at 0.95 (all helpful) and 50 at 0.5
  // (20 helpful); billing 20 at 0.9 (10 helpful).
  const { rows } = await db.query(`insert into conversations (id, site_id, token_hash) values (gen_random_uuid(), $1, 'e2e') returning id`, [site.siteId]);
  const conversationId = rows[0].id as string;
  await db.query(
    `with answers as (
       select g, case when g <= 150 then 'refunds' when g <= 200 then 'refunds' else 'billing' end as topic,
         case when g <= 150 then 0.95 when g <= 200 then 0.5 else 0.9 end as confidence,
         case when g <= 150 or (g > 150 and g <= 170) or (g > 200 and g <= 210) then 1 else -1 end as rating
       from generate_series(1, 220) g),
     m as (
       insert into messages (site_id, conversation_id, client_event_id, role, text, body_hash, sent_at, topic, confidence)
       select $1, $2, gen_random_uuid(), 'agent', 'An answer', 'e2e', now() - (g || ' minutes')::interval, topic, confidence from answers
       returning id, topic, confidence, sent_at)
     insert into cases (site_id, source, source_id, conversation_id, message_id, occurred_at, rating, confidence, topic, negative)
     select $1, 'feedback', gen_random_uuid(), $2, m.id, m.sent_at + interval '10 seconds', a.rating, m.confidence, m.topic, a.rating = -1
     from m join answers a on m.sent_at = now() - (a.g || ' minutes')::interval`,
    [site.siteId, conversationId],
  );
});

test.afterAll(async () => {
  await db?.end();
});

test('should show the seven readiness checks with their evidence, failing the untraced answers', async ({ page }) => {
  await signIn(page, admin);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Readiness' }).click();
  await expect(page.getByRole('heading', { name: 'Production readiness', level: 1 })).toBeVisible();
  const checks = page.locator('.readiness-check');
  await expect(checks).toHaveCount(7);
  await expect(checks.locator('h2')).toHaveText([
    /Context management/,
    /Tool-call resilience/,
    /Instruction clarity/,
    /Uncertainty handling/,
    /Failure-cost mapping/,
    /Observability/,
    /Security posture/,
  ]);
  const observability = checks.filter({ has: page.getByRole('heading', { name: /Observability/ }) });
  await expect(observability.getByRole('heading')).toHaveText('Fail Observability');
  await expect(observability).toContainText('100% of answers have no trace (220 of 220).');
  await expect(checks.filter({ has: page.getByRole('heading', { name: /Failure-cost mapping/ }) })).toContainText('2 topics have no failure cost set (refunds, billing)');
  await expect(page.getByText(/pass, \d warnings?, \d fail: not ready for production\./)).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});

test('should let an admin switch to calibrated badges and show the fitted thresholds, which the widget receives', async ({ page }) => {
  await signIn(page, admin);
  await page.goto(`${API_URL}/console/review/calibration?site=${site.siteId}`);
  const badges = page.getByRole('region', { name: 'Badges' });
  await expect(badges).toContainText('In use: fixed thresholds, High ≥ 80%, Low < 50%');
  await badges.getByLabel('Calibrated from outcomes').check();
  await badges.getByRole('button', { name: 'Save badge settings' }).click();
  await expect(badges).toContainText('In use: calibrated thresholds');
  const fits = badges.getByRole('table', { name: 'Fitted thresholds' });
  await expect(fits.getByRole('row', { name: /^Whole site/ })).toBeVisible();
  await expect(fits.getByRole('row', { name: /^refunds/ })).toContainText('95%');
  await expect(fits.getByRole('row', { name: /^refunds/ })).toContainText('200');
  await expect(badges.getByRole('figure', { name: /Fitted helpful rate by stated confidence/ }).locator('canvas')).toHaveCount(1);
  expect(await axeViolations(page)).toEqual([]);

  const res = await fetch(`${API_URL}/trpc/site.config`, { headers: { 'x-backstop-key': site.publicKey, origin: HOST_URL } });
  const config = ((await res.json()) as { result: { data: { topicThresholds?: Record<string, { high: number; low: number }> } } }).result.data;
  expect(config.topicThresholds?.refunds?.high).toBe(0.95);
});
