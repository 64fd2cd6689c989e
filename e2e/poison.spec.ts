/**
 * Text the database cannot store as it is (NUL, half an emoji, control characters, multi-byte text near
 * the size limit) never stalls delivery: everything the user did arrives exactly once, the stored text is
 * the text the widget showed, and an answer too large to keep is shown as one that could not be displayed.
 */
import { expect, test, type Page } from '@playwright/test';
import { feedbackOnAnswers, messagesOfConversationWith } from './support/db';
import { ask, helpfulButtons, hostPage, messageBox, newTag, openChat, rateHelpful, rateNotHelpful } from './support/widget';

const POLL = { timeout: 15_000 };

/** Replaces the page's agent with one whose answers carry what agent backends really emit, by question. */
async function usePoisonAgent(page: Page, tag: string) {
  await page.evaluate((tag) => {
    const answers: Record<string, string> = {
      nul: `Total:\u0000 42 EUR ${tag}`,
      half: `Half an emoji \ud83d and a low half \ude00 ${tag}`,
      control: `Bell\u0007 escape\u001b delete\u007f next line\u0085 ${tag}`,
      // 5000 three-byte characters: 15,000 bytes, just inside the 15,360 a signal leaves for its content.
      big: `${'€'.repeat(5000)} ${tag}`,
      // 5300 of them: under the 8000-character limit, but too large for one signal.
      huge: `${'€'.repeat(5300)} ${tag}`,
    };
    let n = 0;
    const w = window as unknown as { Backstop: (...args: unknown[]) => void };
    w.Backstop('init', {
      agent: (message: string) => {
        n += 1;
        const key = message.split(' ')[0]!;
        return { id: `${tag}-${n}\u0000`, text: answers[key] ?? `Plain answer ${n} ${tag}`, confidence: key === 'nul' ? 1e-50 : 0.9 };
      },
    });
  }, tag);
}

/** The text of each agent answer as the panel shows it. */
const shownAnswers = (page: Page) => page.locator('.msg.agent .md').evaluateAll((els) => els.map((e) => e.textContent ?? ''));

test('answers the database cannot store as they are arrive once, as they were shown, with every rating', async ({ page }) => {
  test.setTimeout(60_000);
  const tag = newTag('poison');
  await page.goto(hostPage('chat.html', tag));
  await usePoisonAgent(page, tag);
  await openChat(page);

  await ask(page, `nul ${tag}`, 0);
  await rateHelpful(page, 0);
  await ask(page, `half ${tag}`, 1);
  await rateNotHelpful(page, 1, 'Wrong or made up', 'Shows a replacement mark € 😀');
  await ask(page, `control ${tag}`, 2);
  await rateHelpful(page, 2);
  await ask(page, `big ${tag}`, 3);
  await rateNotHelpful(page, 3, 'Other');

  // Too large to keep: the user is told, and the failure itself is what gets stored.
  await messageBox(page).fill(`huge ${tag}`);
  await messageBox(page).press('Enter');
  await expect(page.getByText("The assistant's answer could not be displayed")).toBeVisible();
  await expect(helpfulButtons(page)).toHaveCount(4);

  await ask(page, `later ${tag} with ünïcödé 😀`, 4);
  await rateHelpful(page, 4);

  const shown = await shownAnswers(page);
  expect(shown).toHaveLength(5);
  expect(shown[0]).toBe(`Total: 42 EUR ${tag}`);
  expect(shown[1]).toBe(`Half an emoji \ufffd and a low half \ufffd ${tag}`);

  const userTexts = [`nul ${tag}`, `half ${tag}`, `control ${tag}`, `big ${tag}`, `huge ${tag}`, `later ${tag} with ünïcödé 😀`];
  await expect.poll(async () => (await messagesOfConversationWith(tag)).length, POLL).toBe(12);
  const rows = await messagesOfConversationWith(tag);
  expect(rows.filter((r) => r.role === 'user').map((r) => r.text)).toEqual(userTexts);
  const agentRows = rows.filter((r) => r.role === 'agent');
  expect(agentRows.map((r) => r.text)).toEqual([...shown.slice(0, 4), "The assistant's answer could not be displayed", shown[4]]);
  // The answer ids lost their NUL, and a confidence too small for the database is stored as 0.
  expect(agentRows[0]).toMatchObject({ answerId: expect.stringMatching(/^e2epoison[0-9a-f]+-1$/), confidence: 0 });

  await expect.poll(async () => (await feedbackOnAnswers(tag)).length, POLL).toBe(5);
  const feedback = await feedbackOnAnswers(tag);
  expect(new Set(feedback.map((f) => f.clientEventId)).size).toBe(5);
  expect(feedback.map((f) => f.rating)).toEqual([1, -1, 1, -1, 1]);
  expect(feedback[1]?.comment).toBe('Shows a replacement mark € 😀');
});

test('a message too long for one signal is kept in the box with a note, and nothing is sent', async ({ page }) => {
  const tag = newTag('toolong');
  await page.goto(hostPage('chat.html', tag));
  await openChat(page);
  // 6000 characters: under the character limit, but 18,000 bytes.
  await messageBox(page).fill(`${tag} ${'€'.repeat(6000)}`);
  await expect(page.getByRole('alert').filter({ hasText: 'Your message is too long to send. Please shorten it.' })).toBeVisible();
  await messageBox(page).press('Enter');
  await expect(messageBox(page)).not.toHaveValue('');
  await messageBox(page).fill(`${tag} short enough`);
  await messageBox(page).press('Enter');
  await expect(helpfulButtons(page)).toHaveCount(1);
  await expect.poll(async () => (await messagesOfConversationWith(tag)).map((r) => r.role), POLL).toEqual(['user', 'agent']);
});
