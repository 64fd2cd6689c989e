/**
 * Rate limits as the widget lives them: while its site is flooded from the same address, its pushes get
 * 429 with a readable Retry-After; once the flood stops it delivers by itself, every signal exactly once.
 * The flood targets a site of its own (limits count per site key and client IP), so the other tests,
 * running at the same time, are not slowed.
 */
import { expect, test, type Response } from '@playwright/test';
import { countFeedback, feedbackOnAnswers, messagesOfConversationWith } from './support/db';
import { API_URL, HOST_URL, stackInfo } from './support/env';
import { isSignalPushUrl } from './support/network';
import { ask, hostPage, newTag, openChat, rateHelpful } from './support/widget';

test('the widget waits out a flood of its site and then stores every signal exactly once', async ({ page }) => {
  test.setTimeout(90_000);
  const tag = newTag('flood');
  const { floodSiteId, floodSiteKey } = stackInfo();
  const limited: Response[] = [];
  page.on('response', (response) => {
    if (isSignalPushUrl(new URL(response.url())) && response.status() === 429) limited.push(response);
  });

  await page.goto(hostPage('flood.html', tag));
  await openChat(page);

  // Someone on the same address floods the site's API (several senders, back to back) until told to stop.
  await page.evaluate(
    ({ api, key }) => {
      const w = window as unknown as { floodOn: boolean; floodLimited: number };
      w.floodOn = true;
      w.floodLimited = 0;
      const sender = async () => {
        while (w.floodOn) {
          const init = { method: 'POST', headers: { 'content-type': 'application/json', 'x-backstop-key': key }, body: '{}' };
          const status = await fetch(`${api}/trpc/site.config?batch=1`, init).then((r) => r.status, () => 0);
          if (status === 429) w.floodLimited++;
        }
      };
      for (let i = 0; i < 6; i++) void sender();
    },
    { api: API_URL, key: floodSiteKey },
  );
  // On a busy machine the senders can take a while to pass the limit within one window.
  await expect.poll(() => page.evaluate(() => (window as unknown as { floodLimited: number }).floodLimited), { timeout: 30_000 }).toBeGreaterThan(0);

  await ask(page, `When is my next bill? ${tag}`);
  await rateHelpful(page, 0);
  let questions = 1;
  // Keep talking until one of the widget's own pushes meets the limit: each 5 s window opens with room that
  // the flood (six connections, as browsers allow per origin) takes a moment to use up on a busy machine.
  for (; limited.length === 0 && questions < 20; questions++) {
    await ask(page, `And the one after? ${questions} ${tag}`);
    await page.waitForTimeout(300);
  }
  expect(limited.length).toBeGreaterThan(0);
  await page.evaluate(() => void ((window as unknown as { floodOn: boolean }).floodOn = false));

  // The 429 carried what the widget needs to read it across origins.
  const headers = limited[0]!.headers();
  expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(headers['retry-after'])).toBeLessThanOrEqual(5);
  expect(headers['access-control-allow-origin']).toBe(HOST_URL);
  expect(headers['access-control-expose-headers']).toContain('retry-after');
  expect((await limited[0]!.json()).error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });

  // Recovered by itself: every question and answer and the one rating, each stored once, for the flooded site.
  await expect.poll(() => countFeedback(tag), { timeout: 30_000 }).toBe(1);
  await expect.poll(async () => (await messagesOfConversationWith(tag)).length, { timeout: 30_000 }).toBe(2 * questions);
  const messages = await messagesOfConversationWith(tag);
  expect(messages.map((m) => m.role)).toEqual(Array.from({ length: questions }, () => ['user', 'agent']).flat());
  expect(messages.every((m) => m.siteId === floodSiteId)).toBe(true);
  expect((await feedbackOnAnswers(tag)).every((f) => f.siteId === floodSiteId)).toBe(true);
});
