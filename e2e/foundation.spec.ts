/**
 * The widget as embedders use it: the demo product, a strict cross-origin host, a page that loads the
 * script twice, wrap mode, and a website the site does not allow.
 */
import { expect, test, type Page } from '@playwright/test';
import { countFeedback, demoSiteId, feedbackOnAnswers, messagesOfConversationWith } from './support/db';
import { API_URL } from './support/env';
import { isSignalPushUrl } from './support/network';
import {
  ask,
  helpfulButtons,
  hostPage,
  launcher,
  messageBox,
  newTag,
  openChat,
  rateHelpful,
  refusedPage,
  watchPage,
} from './support/widget';

/** Ids of the answers the demo's mock agent sends, in order. */
function recordDemoAnswers(page: Page): { id: string; confidence: number }[] {
  const answers: { id: string; confidence: number }[] = [];
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname === '/demo/agent' && response.ok()) answers.push(await response.json());
  });
  return answers;
}

test('demo product: answers carry their confidence badge and the conversation is stored', async ({ page }) => {
  const problems = await watchPage(page);
  const answers = recordDemoAnswers(page);
  const tag = newTag('demo');

  await page.goto(`${API_URL}/demo/`);
  await openChat(page);
  await ask(page, `When is my next bill? ${tag}`);
  await expect(page.getByText('High confidence')).toBeVisible();
  await ask(page, `Do I have to pay tax? ${tag}`);
  await expect(page.getByText('Low confidence')).toBeVisible();
  await expect(page.getByText('High confidence')).toHaveCount(1);

  const siteId = await demoSiteId();
  await expect
    .poll(async () => (await messagesOfConversationWith(tag)).map((m) => m.role), { timeout: 15_000 })
    .toEqual(['user', 'agent', 'user', 'agent']);
  const stored = await messagesOfConversationWith(tag);
  expect(stored.every((m) => m.siteId === siteId)).toBe(true);
  expect(stored.filter((m) => m.role === 'user').map((m) => m.text)).toEqual([`When is my next bill? ${tag}`, `Do I have to pay tax? ${tag}`]);
  expect(stored.filter((m) => m.role === 'agent').map((m) => [m.answerId, m.confidence])).toEqual(
    answers.map((a) => [a.id, expect.closeTo(a.confidence, 5)]),
  );
  expect(problems.pageErrors).toEqual([]);
});

test('strict-CSP cross-origin host with hostile CSS: the widget works, keeps its own styles, violates nothing', async ({ page }) => {
  const problems = await watchPage(page);
  const tag = newTag('csp');

  const response = await page.goto(hostPage('hostile.html', tag));
  expect(response?.headers()['content-security-policy']).toContain("style-src 'self'");
  await expect(launcher(page)).toBeVisible();
  // The host's rules are in force on its own content, so they are what the widget is up against.
  expect(await page.getByRole('heading', { name: 'Strict host' }).evaluate((el) => getComputedStyle(el).fontSize)).toBe('30px');
  const launcherStyle = await launcher(page).evaluate((el) => getComputedStyle(el).fontSize);

  await openChat(page);
  await ask(page, 'Does the widget survive this page?');
  await expect(page.getByText('High confidence')).toBeVisible();
  const answerText = page.getByText(/^Answer 1: you asked/);
  const answerStyle = await answerText.evaluate((el) => ({ fontSize: getComputedStyle(el).fontSize, color: getComputedStyle(el).color }));
  const inputStyle = await messageBox(page).evaluate((el) => getComputedStyle(el).fontSize);

  expect(launcherStyle).not.toBe('30px');
  expect(inputStyle).not.toBe('30px');
  expect(answerStyle.fontSize).not.toBe('30px');
  expect(answerStyle.color).not.toBe('rgb(255, 0, 0)');

  // Cross-origin delivery under the host's connect-src works too.
  await rateHelpful(page, 0);
  await expect.poll(() => countFeedback(tag), { timeout: 15_000 }).toBe(1);

  expect(await problems.cspViolations()).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});

test('calls queued before load are replayed and a second copy of the script does nothing', async ({ page }) => {
  const problems = await watchPage(page);

  await page.goto(hostPage('double.html', newTag('double')));
  await expect(launcher(page)).toBeVisible();
  // Let the second copy run before counting.
  await page.waitForLoadState('load');
  const hosts = await page.evaluate(() => [...document.querySelectorAll('*')].filter((el) => el.shadowRoot).length);
  expect(hosts).toBe(1);
  await expect(launcher(page)).toHaveCount(1);

  await openChat(page);
  await expect(page.getByText('Queued Title Desk')).toBeVisible();
  await ask(page, 'hello');
  await expect(page.getByText('Queued agent answered: hello')).toBeVisible();
  await expect(helpfulButtons(page)).toHaveCount(1);

  expect(problems.pageErrors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});

test("wrap mode: the host's own answer gets a badge and feedback buttons, and a rating is stored", async ({ page }) => {
  const problems = await watchPage(page);
  const answers = recordDemoAnswers(page);

  await page.goto(`${API_URL}/demo/wrap`);
  await page.getByRole('textbox', { name: 'Your question' }).fill('When is my next bill?');
  await page.getByRole('button', { name: 'Ask' }).click();

  const hostLog = page.getByRole('log', { name: 'Conversation' });
  await expect(hostLog.getByText(/Your next bill is on/)).toBeVisible();
  await expect(hostLog.getByText('High confidence')).toBeVisible();
  await expect(hostLog.getByRole('button', { name: 'Not helpful', exact: true })).toBeVisible();
  const helpful = hostLog.getByRole('button', { name: 'Helpful', exact: true });
  await helpful.click();
  await expect(helpful).toHaveAttribute('aria-pressed', 'true');

  expect(answers).toHaveLength(1);
  await expect.poll(async () => (await feedbackOnAnswers(answers[0]!.id)).map((f) => f.rating), { timeout: 15_000 }).toEqual([1]);
  const [row] = await feedbackOnAnswers(answers[0]!.id);
  expect(row!.siteId).toBe(await demoSiteId());
  expect(problems.pageErrors).toEqual([]);
});

test('a website not on the allowlist is refused by the API while the widget keeps working', async ({ page }) => {
  const problems = await watchPage(page);
  const tag = newTag('refused');
  // Any signal push fails (the browser blocks the refused preflight). Which one goes first depends on timing:
  // feedback on an answer whose own push keeps failing waits for it, so the answer's push is the one to watch.
  const refusedPush = page.waitForEvent('requestfailed', { predicate: (r) => isSignalPushUrl(new URL(r.url())), timeout: 15_000 });
  let accepted = 0;
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/trpc/') && r.ok()) accepted++;
  });

  await page.goto(refusedPage('chat.html', tag));
  await openChat(page);
  await ask(page, `First question ${tag}`);
  await expect(page.getByText('High confidence')).toBeVisible();
  await rateHelpful(page, 0);
  await refusedPush;

  // Still usable: the next question is answered as before.
  await ask(page, `Second question ${tag}`);
  await expect(page.getByText('High confidence')).toHaveCount(2);

  expect(await countFeedback(tag)).toBe(0);
  expect(await messagesOfConversationWith(tag)).toEqual([]);
  expect(accepted).toBe(0);
  expect(problems.pageErrors).toEqual([]);
});
