/**
 * The console under its Content-Security-Policy in a real Chromium: every view (sign-in, Inbox, a handoff,
 * Review's overview with its uPlot charts, calibration, alerts, the case list and a case's waterfall)
 * renders and works with no `securitypolicyviolation` and no CSP message in the browser console.
 */
import { expect, test, type Page } from '@playwright/test';
import { CONSOLE_URL, escalate, signIn } from './support/console';
import { stackInfo } from './support/env';
import { seedReviewSite, type ReviewSeed } from './support/review-seed';
import { newTag } from './support/widget';

let seed: ReviewSeed;

test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  seed = await seedReviewSite();
});
test.afterAll(async () => {
  await seed?.db.end();
});

/** Collects CSP violations from the first script on (init scripts run before the page's own, outside its CSP). */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const consoleLines: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) consoleLines.push(msg.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
  });
  return async () => [...consoleLines, ...(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations))];
}

test('should send the console its CSP and frame-ancestors, and report what it blocks', async ({ page }) => {
  const violations = await watchCsp(page);
  const res = await page.goto(CONSOLE_URL);
  const csp = res!.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res!.headers()['x-frame-options']).toBe('DENY');
  // The watcher itself works: an injected inline script is blocked and reported.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
  });
  expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
  await expect.poll(violations).toContainEqual(expect.stringMatching(/^script-src/));
});

test('should run the Inbox and a handoff without a CSP violation', async ({ page }) => {
  test.slow();
  const violations = await watchCsp(page);
  await signIn(page, stackInfo().staff.agent);
  const tag = newTag('csp');
  await escalate(`Please help ${tag}`);
  const row = page.getByRole('listitem').filter({ hasText: tag });
  await expect(row).toBeVisible({ timeout: 10_000 });
  await row.getByRole('link').click();
  await expect(page.getByRole('heading', { name: /Handoff from/ })).toBeVisible();
  await page.getByRole('button', { name: 'Claim' }).click();
  await expect(page.getByRole('button', { name: 'Unclaim' })).toBeVisible();
  expect(await violations()).toEqual([]);
});

test('should run every Review view, charts and waterfall included, without a CSP violation', async ({ page }) => {
  test.slow();
  const violations = await watchCsp(page);
  await signIn(page, seed.reviewer);
  await page.goto(`${CONSOLE_URL}review?site=${seed.siteId}`);
  await expect(page.getByRole('heading', { name: 'Review', level: 1 })).toBeVisible();
  await expect(page.locator('canvas').first()).toBeVisible();
  const sections = page.getByRole('navigation', { name: 'Review sections' });
  await sections.getByRole('link', { name: 'Calibration' }).click();
  await expect(page.getByRole('table', { name: 'Confidence bins' })).toBeVisible();
  await sections.getByRole('link', { name: /Alerts/ }).click();
  await expect(page.getByRole('table', { name: /Alerts in this range/ })).toBeVisible();
  await sections.getByRole('link', { name: /Cases/ }).click();
  await page.getByRole('link', { name: seed.questions.tool }).click();
  await expect(page.getByRole('list', { name: 'Spans' }).locator('.wf-row')).toHaveCount(5);
  expect(await violations()).toEqual([]);
});
