/**
 * The whole handoff as the two people live it, each in their own browser: an end user on a customer's page
 * asks for a person in the widget; a support agent signed into the console sees it arrive without reloading,
 * claims it and replies; the user sees the agent join and the reply live; the agent resolves it and the
 * user is told. Real server, real database, real SSE streams on both sides.
 */
import { expect, test, type Page } from '@playwright/test';
import { escalationsOf } from './support/db';
import { signIn } from './support/console';
import { stackInfo } from './support/env';
import { ask, hostPage, newTag, openChat } from './support/widget';

const rowWith = (page: Page, text: string) => page.getByRole('listitem').filter({ hasText: text });

test('a user asks for a person and an agent in the console claims, replies and resolves, each seeing the other live', async ({ browser }) => {
  test.slow();
  const tag = newTag('live');
  const { agent } = stackInfo().staff;
  const userContext = await browser.newContext();
  const staffContext = await browser.newContext();
  try {
    const user = await userContext.newPage();
    const desk = await staffContext.newPage();
    await signIn(desk, agent);

    await user.goto(hostPage('chat.html', tag));
    await openChat(user);
    await ask(user, `Where is my parcel? ${tag}`);
    // The panel's own button (an unsure answer may offer another one under itself).
    await user.getByRole('button', { name: 'Talk to a person', exact: true }).last().click();
    await user.getByRole('textbox', { name: 'What do you need help with? (optional)' }).fill(`My parcel is lost ${tag}`);
    await user.getByRole('button', { name: 'Request a person' }).click();
    await expect(user.getByText(/^Waiting for a person\./)).toBeVisible();

    // The Inbox shows it without a reload.
    await expect(rowWith(desk, tag)).toBeVisible({ timeout: 10_000 });
    await rowWith(desk, tag).getByRole('link').click();
    await expect(desk.getByRole('list', { name: 'Transcript' }).getByText(`Where is my parcel? ${tag}`, { exact: true })).toBeVisible();
    await desk.getByRole('button', { name: 'Claim' }).click();
    await expect(desk.getByRole('button', { name: 'Unclaim' })).toBeVisible();
    await expect(user.getByText(`${agent.displayName} from Support joined`)).toBeVisible({ timeout: 10_000 });

    const reply = desk.getByRole('textbox', { name: 'Reply' });
    await reply.fill(`It ships tomorrow ${tag}`);
    await desk.getByRole('button', { name: 'Send reply' }).click();
    await expect(user.getByText(`It ships tomorrow ${tag}`, { exact: true })).toHaveCount(1, { timeout: 10_000 });

    // The user answers the person; it reaches the console live.
    await user.getByRole('textbox', { name: 'Message' }).fill(`Thank you ${tag}`);
    await user.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expect(desk.getByRole('list', { name: 'Transcript' }).getByText(`Thank you ${tag}`, { exact: true })).toBeVisible({ timeout: 10_000 });

    await desk.getByLabel('Outcome').selectOption({ label: 'Resolved' });
    await desk.getByRole('button', { name: 'Resolve' }).click();
    await expect(user.getByText('This conversation was resolved')).toBeVisible({ timeout: 10_000 });

    const conversationId = await user.evaluate(
      (key) => (JSON.parse(sessionStorage.getItem(key) ?? '{}') as { id?: string }).id ?? '',
      `backstop:${stackInfo().siteKey}:conversation`,
    );
    const stored = await escalationsOf(conversationId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ trigger: 'user', status: 'resolved' });
  } finally {
    await userContext.close();
    await staffContext.close();
  }
});
