/**
 * `Backstop('reset')`, as a host app calls it when its user signs out on a shared computer. The user chats and
 * rates while the API cannot be reached, so all of it waits in the outbox; then the page resets the widget and
 * the API comes back. What the first user gave is stored exactly once, under their conversation; the panel
 * shows the greeting only, and the next person's message starts a new conversation. Needs DATABASE_URL (it
 * counts stored rows).
 */
import { expect, test, type Page, type Route } from '@playwright/test';
import { countFeedback, feedbackOnAnswers, messagesOfConversationWith } from './support/db';
import { stackInfo } from './support/env';
import { ask, helpfulButtons, hostPage, messageBox, newTag, openChat, rateHelpful, rateNotHelpful } from './support/widget';

/** The outbox retries on its own backoff after the failures of the outage: allow it a few rounds. */
const POLL = { timeout: 45_000 };

/** The tab's conversation for the e2e site, as the widget keeps it. */
const tabConversation = (page: Page) =>
  page.evaluate((key) => (JSON.parse(sessionStorage.getItem(`backstop:${key}:conversation`) ?? 'null') as { id: string } | null)?.id, stackInfo().siteKey);

test('a reset while ratings wait in the outbox delivers them once under the old conversation, and the next message starts a new one', async ({ page }) => {
  test.setTimeout(90_000);
  const tag = newTag('reset');
  const blockApi = (route: Route) => route.abort();
  await page.route('**/trpc/**', blockApi);

  await page.goto(hostPage('chat.html', tag));
  await openChat(page);
  await ask(page, `First user asks ${tag}`);
  await rateHelpful(page, 0);
  await ask(page, `First user again ${tag}`);
  await rateNotHelpful(page, 1);
  const first = await tabConversation(page);
  expect(first).toBeTruthy();
  await messageBox(page).fill('half a message the first user never sent');

  // The host app signs its user out.
  await page.evaluate(() => (window as unknown as { Backstop: (command: string) => void }).Backstop('reset'));

  const log = page.getByRole('log', { name: 'Conversation' });
  await expect(log.locator('.msg')).toHaveCount(1);
  await expect(log).not.toContainText('First user');
  await expect(helpfulButtons(page)).toHaveCount(0);
  await expect(messageBox(page)).toHaveValue('');
  expect(await tabConversation(page)).toBeUndefined();
  expect(await countFeedback(tag)).toBe(0);

  await page.unroute('**/trpc/**', blockApi);

  // Everything the first user gave arrives, each item once, in the first conversation.
  await expect.poll(() => countFeedback(tag), POLL).toBe(2);
  const feedback = await feedbackOnAnswers(tag);
  expect(new Set(feedback.map((f) => f.clientEventId)).size).toBe(2);
  expect(feedback.map((f) => f.rating).sort()).toEqual([-1, 1]);
  expect(feedback.every((f) => f.conversationId === first && f.siteId === stackInfo().siteId)).toBe(true);
  await expect.poll(async () => (await messagesOfConversationWith(`First user asks ${tag}`)).length, POLL).toBe(4);
  const before = await messagesOfConversationWith(`First user asks ${tag}`);
  expect(before.every((m) => m.conversationId === first)).toBe(true);

  // The next person's message goes to a new conversation, which holds nothing of the first one.
  await ask(page, `Next user asks ${tag}`, 0);
  const next = await tabConversation(page);
  expect(next).toBeTruthy();
  expect(next).not.toBe(first);
  await expect.poll(async () => (await messagesOfConversationWith(`Next user asks ${tag}`)).map((m) => m.role), POLL).toEqual(['user', 'agent']);
  const after = await messagesOfConversationWith(`Next user asks ${tag}`);
  expect(after.every((m) => m.conversationId === next)).toBe(true);
  expect(after.some((m) => m.text.includes('First user'))).toBe(false);
  // Still once each, now that everything was delivered.
  expect(await countFeedback(tag)).toBe(2);
  expect(await messagesOfConversationWith(`First user asks ${tag}`)).toHaveLength(4);
});
