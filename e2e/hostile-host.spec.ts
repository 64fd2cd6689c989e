/**
 * The widget under a host page that patched the globals it leans on (pages/hostile-globals.js), before the
 * widget loaded and after: it still opens, sends, shows the agent's answer, takes a rating, and the
 * signals reach the server (rows in the database); a person's reply still arrives live when `EventSource` is
 * gone. What is and is not defended is listed in README, "Hostile host pages".
 */
import { expect, test, type Page } from '@playwright/test';
import { countFeedback, messagesOfConversationWith } from './support/db';
import { signInAsAgent } from './support/staff';
import { ask, hostPage, messageBox, newTag, openChat, rateNotHelpful, watchPage } from './support/widget';

type When = 'before' | 'after';

async function openPatched(page: Page, patches: string[], when: When, tag: string): Promise<void> {
  await page.goto(`${hostPage('hostile-globals.html', tag)}&patch=${patches.join(',')}&when=${when}`);
  // The patches are in place before the user does anything (after the widget started, for `after`).
  await expect.poll(() => page.evaluate(() => (window as unknown as { patchesApplied?: string[] }).patchesApplied ?? null)).toEqual(patches);
}

const CASES: { patches: string[]; what: string }[] = [
  { patches: ['fetch-throws'], what: 'fetch that throws' },
  { patches: ['fetch-rewrites'], what: 'fetch that rewrites request bodies' },
  { patches: ['json'], what: 'JSON.stringify that throws and JSON.parse that lies' },
  { patches: ['array'], what: 'hand-rolled, enumerable Array.prototype map/filter/push/includes' },
  { patches: ['promise-wrapper'], what: 'a wrapped global Promise' },
  { patches: ['fetch-rewrites', 'json', 'array', 'promise-wrapper', 'eventsource'], what: 'all of them at once' },
];

for (const when of ['before', 'after'] as const) {
  for (const c of CASES) {
    test(`patched ${when} the widget loaded: ${c.what}: chat, answer and rating reach the server`, async ({ page }) => {
      const problems = await watchPage(page);
      const tag = newTag('hostile');
      await openPatched(page, c.patches, when, tag);
      await openChat(page);
      const question = `Does the widget survive ${tag}?`;
      await ask(page, question, 0);
      await expect(page.getByText(`you asked "${question}"`)).toBeVisible();
      await rateNotHelpful(page, 0, 'Wrong or made up', `comment ${tag}`);
      await expect.poll(() => countFeedback(tag), { timeout: 15_000 }).toBe(1);
      const rows = await messagesOfConversationWith(tag);
      expect(rows.map((r) => [r.role, r.text])).toEqual([
        ['user', question],
        ['agent', `Answer 1: you asked "${question}".`],
      ]);
      // Nothing the widget did threw into the page.
      expect(problems.pageErrors).toEqual([]);
      if (c.patches.includes('array')) expect(await page.evaluate(() => (window as unknown as { arrayPatchCalls: () => number }).arrayPatchCalls())).toBeGreaterThan(0);
    });
  }

  test(`patched ${when} the widget loaded: without EventSource, a person's reply still arrives`, async ({ page }) => {
    const tag = newTag('hostilesse');
    await openPatched(page, ['eventsource', 'fetch-throws'], when, tag);
    await openChat(page);
    await ask(page, `Can a person help? ${tag}`, 0);
    await page.getByRole('button', { name: 'Talk to a person' }).first().click();
    await page.getByRole('button', { name: 'Request a person' }).click();
    const conversationId = await page.evaluate(() => {
      for (let i = 0; i < sessionStorage.length; i++) {
        const key = sessionStorage.key(i)!;
        if (key.endsWith(':conversation')) return (JSON.parse(sessionStorage.getItem(key)!) as { id: string }).id;
      }
      throw new Error('no conversation in sessionStorage');
    });
    const staff = await signInAsAgent();
    const escalationId = await staff.escalationOf(conversationId);
    await staff.claim(escalationId);
    await staff.reply(escalationId, `A person answers ${tag}`);
    await expect(page.getByText(`A person answers ${tag}`)).toBeVisible({ timeout: 20_000 });
    await staff.resolve(escalationId);
    await expect(page.getByText('This conversation was resolved')).toBeVisible({ timeout: 20_000 });
    await expect(messageBox(page)).toBeEnabled();
  });
}
