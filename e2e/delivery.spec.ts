/**
 * Feedback delivery through the outbox: every item the user gave is stored exactly once, whatever the
 * network and the server do in between. Tests use the host page's local agent (instant, works offline)
 * and find their rows by the tag in the answer ids.
 */
import { expect, test, type Page, type Request, type Route } from '@playwright/test';
import { countFeedback, feedbackOnAnswers, messagesOfConversationWith } from './support/db';
import { REFUSED_URL, stackInfo } from './support/env';
import { carriesFeedback, corsHeaders, isSignalPushUrl, pushedSignals, trpcError } from './support/network';
import { ask, askAndRate, hostPage, launcher, newTag, notHelpfulButtons, openChat, rateHelpful, watchPage } from './support/widget';

const POLL = { timeout: 15_000 };

/** The feedback rows of a test must be exactly `n`, each a different signal, all for the e2e site. */
async function expectStoredOnce(tag: string, n: number) {
  await expect.poll(() => countFeedback(tag), POLL).toBe(n);
  const rows = await feedbackOnAnswers(tag);
  expect(new Set(rows.map((r) => r.clientEventId)).size).toBe(n);
  expect(rows.every((r) => r.siteId === stackInfo().siteId)).toBe(true);
  return rows;
}

/** Every signal.push that carries feedback, with when it was sent. */
function watchFeedbackPushes(page: Page): { at: number; request: Request }[] {
  const seen: { at: number; request: Request }[] = [];
  page.on('request', (request) => {
    if (carriesFeedback(request)) seen.push({ at: Date.now(), request });
  });
  return seen;
}

test('30 feedback items given while the API is unreachable arrive exactly once after a reload', async ({ page }) => {
  test.setTimeout(60_000);
  const tag = newTag('outage');
  const blockAll = (route: Route) => route.abort();
  await page.route('**/trpc/**', blockAll);

  await page.goto(hostPage('chat.html', tag));
  await openChat(page);
  await askAndRate(page, 30);
  expect(await countFeedback(tag)).toBe(0);

  await page.reload();
  await expect(launcher(page)).toBeVisible();
  await page.unroute('**/trpc/**', blockAll);

  const rows = await expectStoredOnce(tag, 30);
  expect(new Set(rows.map((r) => r.answerId)).size).toBe(30);
  expect(rows.filter((r) => r.rating === 1)).toHaveLength(15);
  expect(rows.filter((r) => r.rating === -1).every((r) => r.reasons.join() === 'wrong')).toBe(true);
});

test('a batch whose response is lost is sent again and stored once', async ({ page }) => {
  const tag = newTag('lost');
  const pushes = watchFeedbackPushes(page);
  let lost = 0;
  await page.route(isSignalPushUrl, async (route) => {
    if (lost === 0 && carriesFeedback(route.request())) {
      lost++;
      await route.fetch(); // the server stores it…
      return route.abort('connectionreset'); // …and the answer never reaches the widget
    }
    return route.continue();
  });

  await page.goto(hostPage('chat.html', tag));
  await openChat(page);
  await ask(page, 'Will this arrive once?');
  await rateHelpful(page, 0);

  await expect.poll(() => pushes.length, POLL).toBeGreaterThanOrEqual(2);
  await expectStoredOnce(tag, 1);
});

test('two tabs offline at the same time each keep their 10 items and deliver them once back online', async ({ context }) => {
  test.setTimeout(60_000);
  const tag = newTag('tabs');
  const tabs = [await context.newPage(), await context.newPage()];
  await tabs[0]!.goto(hostPage('chat.html', `${tag}a`));
  await tabs[1]!.goto(hostPage('chat.html', `${tag}b`));
  for (const tab of tabs) await openChat(tab);

  await context.setOffline(true);
  for (const tab of tabs) await askAndRate(tab, 10);
  for (const tab of tabs) await expect(tab.getByText("Saved — will send when you're back online").first()).toBeVisible();
  expect(await countFeedback(tag)).toBe(0);

  await context.setOffline(false);
  await expectStoredOnce(tag, 20);
  expect(await countFeedback(`${tag}a`)).toBe(10);
  expect(await countFeedback(`${tag}b`)).toBe(10);
});

test('feedback still arrives when indexedDB.open throws, without page errors', async ({ page }) => {
  const problems = await watchPage(page);
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      throw new DOMException('IndexedDB is disabled in this browser', 'SecurityError');
    };
  });
  const tag = newTag('noidb');

  await page.goto(hostPage('chat.html', tag));
  await openChat(page);
  await askAndRate(page, 2);

  await expectStoredOnce(tag, 2);
  expect(problems.pageErrors).toEqual([]);
});

const RETRIED: { name: string; status: number; headers: Record<string, string>; body: object; minWaitMs: number }[] = [
  { name: 'HTTP 500', status: 500, headers: {}, body: trpcError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error.'), minWaitMs: 0 },
  {
    name: 'HTTP 429 with Retry-After: 2',
    status: 429,
    // Cross-origin, the widget can read Retry-After only if the server exposes it.
    headers: { 'retry-after': '2', 'access-control-expose-headers': 'Retry-After' },
    body: trpcError(429, 'TOO_MANY_REQUESTS', 'Too many requests, try again in 2 seconds.'),
    minWaitMs: 1900,
  },
];

for (const failure of RETRIED) {
  test(`feedback answered with ${failure.name} is retried and stored once`, async ({ page }) => {
    const tag = newTag('retry');
    const pushes = watchFeedbackPushes(page);
    let failed = 0;
    await page.route(isSignalPushUrl, async (route) => {
      if (failed === 0 && carriesFeedback(route.request())) {
        failed++;
        return route.fulfill({ status: failure.status, headers: { ...corsHeaders(), ...failure.headers }, json: [failure.body] });
      }
      return route.continue();
    });

    await page.goto(hostPage('chat.html', tag));
    await openChat(page);
    await ask(page, 'Please retry me');
    await rateHelpful(page, 0);

    await expectStoredOnce(tag, 1);
    expect(pushes.length).toBeGreaterThanOrEqual(2);
    expect(pushes[1]!.at - pushes[0]!.at).toBeGreaterThanOrEqual(failure.minWaitMs);
  });
}

test('feedback refused with HTTP 400 is not retried and the user sees why', async ({ page }) => {
  const tag = newTag('refused400');
  const pushes = watchFeedbackPushes(page);
  await page.route(isSignalPushUrl, async (route) => {
    const signals = pushedSignals(route.request());
    const index = signals.findIndex((s) => s.kind === 'feedback');
    if (index < 0) return route.continue();
    const body = trpcError(400, 'BAD_REQUEST', 'Invalid feedback.', { [`items.${index}.rating`]: 'must be 1 or -1' });
    return route.fulfill({ status: 400, headers: corsHeaders(), json: [body] });
  });

  await page.goto(hostPage('chat.html', tag));
  await openChat(page);
  await ask(page, 'Rate me badly');
  await rateHelpful(page, 0);

  await expect(page.getByText(/must be 1 or -1/)).toBeVisible({ timeout: 15_000 });
  // A retry would come within the first backoff step (1 to 3 s).
  await page.waitForTimeout(3500);
  expect(pushes).toHaveLength(1);
  expect(await countFeedback(tag)).toBe(0);
});

const DESTINATIONS = [
  { name: 'another page of the same site', url: (tag: string) => hostPage('chat.html', `${tag}next`) },
  { name: 'another website', url: () => `${REFUSED_URL}/blank.html` },
];

for (const destination of DESTINATIONS) {
  test(`feedback sent right before leaving for ${destination.name} is delivered`, async ({ page }) => {
    const tag = newTag('leave');
    await page.goto(hostPage('chat.html', tag));
    await openChat(page);
    await ask(page, `One last thing before I go ${tag}`);
    // The question and answer are delivered first, so only the feedback is in flight when the page goes.
    await expect.poll(async () => (await messagesOfConversationWith(tag)).length, POLL).toBe(2);
    await notHelpfulButtons(page).first().click();
    await page.getByRole('button', { name: 'Forgot earlier context', exact: true }).click();
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.goto(destination.url(tag));

    const [row] = await expectStoredOnce(tag, 1);
    expect(row!.rating).toBe(-1);
    expect(row!.reasons).toEqual(['forgot_context']);
  });
}
