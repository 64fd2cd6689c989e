/**
 * Asking for a person from a host page, with a real server and database, and an agent acting over HTTP
 * as the console does: the request is stored once, the agent's join and replies appear live in the same
 * panel, a cut stream resumes without losing or repeating a reply, a reload shows the replies again, and
 * with nobody online the widget asks for an email. axe checks the widget in its handoff states.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { escalationsOf } from './support/db';
import { stackInfo } from './support/env';
import { signInAsAgent } from './support/staff';
import { ask, hostPage, messageBox, newTag, openChat } from './support/widget';

// Presence ("nobody online") is per site: these tests take turns.
test.describe.configure({ mode: 'serial' });

const talk = (page: Page) => page.getByRole('button', { name: 'Talk to a person', exact: true });
const need = (page: Page) => page.getByRole('textbox', { name: 'What do you need help with? (optional)' });
const requestButton = (page: Page) => page.getByRole('button', { name: 'Request a person' });

const conversationIdOf = (page: Page, siteKey = stackInfo().siteKey) =>
  page.evaluate((key) => (JSON.parse(sessionStorage.getItem(key) ?? '{}') as { id?: string }).id ?? '', `backstop:${siteKey}:conversation`);

/** axe on the widget's shadow roots (axe pierces open shadow DOM). */
async function expectNoAxeViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).include('backstop-widget').analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('a user asks for a person and sees the agent join and reply live, across a cut stream and a reload', async ({ page }) => {
  test.setTimeout(120_000);
  const staff = await signInAsAgent();
  const offline = await staff.goOnline();
  try {
    const streams: string[] = [];
    page.on('request', (r) => void (r.url().includes('conversation.onEvent') && streams.push(decodeURIComponent(r.url()))));
    // The first stream is cut right after it delivered the first reply; reconnects are then refused until
    // the test lets them through, while the agent sends a second reply.
    let mode: 'cut' | 'refuse' | 'pass' = 'cut';
    await page.route('**/trpc/conversation.onEvent**', async (route) => {
      if (mode === 'pass') return route.continue();
      if (mode === 'refuse') return route.abort();
      mode = 'refuse';
      const request = route.request();
      const res = await fetch(request.url(), { headers: { accept: 'text/event-stream', origin: (await request.headerValue('origin')) ?? '' } });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let body = '';
      while (!body.includes('message.human')) {
        const { value, done } = await reader.read();
        if (done) break;
        body += decoder.decode(value, { stream: true });
      }
      await reader.cancel();
      const keep = ['content-type', 'cache-control', 'access-control-allow-origin', 'vary'];
      await route.fulfill({ status: res.status, headers: Object.fromEntries([...res.headers].filter(([k]) => keep.includes(k))), body });
    });
    await page.goto(hostPage('chat.html', newTag('handoff')));
    await openChat(page);
    await ask(page, 'Where is my parcel?');
    // No stream for a conversation without an escalation.
    expect(streams).toEqual([]);

    await talk(page).click();
    await need(page).fill('My parcel is lost');
    await expectNoAxeViolations(page);
    await requestButton(page).click();
    await expect(page.getByText(/^Waiting for a person\. You're number \d+ in the queue\.$/)).toBeVisible();
    await expect(talk(page)).toHaveCount(0);

    const conversationId = await conversationIdOf(page);
    await expect.poll(async () => (await escalationsOf(conversationId)).length, { timeout: 15_000 }).toBe(1);
    expect((await escalationsOf(conversationId))[0]).toMatchObject({ trigger: 'user', note: 'My parcel is lost', status: 'queued' });

    const escalationId = await staff.escalationOf(conversationId);
    await staff.claim(escalationId);
    await staff.reply(escalationId, 'Hello, I am looking into it.');
    await expect(page.getByText('Maya from Support joined')).toBeVisible();
    await expect(page.getByText("You're talking with Maya from Support.")).toBeVisible();
    await expect(page.getByText('Hello, I am looking into it.')).toHaveCount(1);
    await expectNoAxeViolations(page);

    // The stream is down now; the second reply is sent while the widget cannot reconnect.
    const before = streams.length;
    await staff.reply(escalationId, 'Found it: it ships tomorrow.');
    await page.waitForTimeout(1500);
    mode = 'pass';
    await expect(page.getByText('Found it: it ships tomorrow.')).toHaveCount(1, { timeout: 20_000 });
    await expect(page.getByText('Hello, I am looking into it.')).toHaveCount(1);
    await expect(page.getByText('Maya from Support joined')).toHaveCount(1);
    // The reply may have come by the polling fallback first; the stream reconnects, resuming after the last event.
    await expect.poll(() => streams.length, { timeout: 20_000 }).toBeGreaterThan(before);
    await expect.poll(() => streams.slice(before).some((u) => /"lastEventId":"\d+"/.test(u)), { timeout: 20_000 }).toBe(true);

    // The user writes to the person; the page's agent is not asked while a person handles the conversation.
    const answers = await page.getByRole('button', { name: 'Helpful', exact: true }).count();
    await messageBox(page).fill('Thank you!');
    await messageBox(page).press('Enter');
    await expect(page.getByText('Thank you!')).toBeVisible();
    await page.waitForTimeout(500);
    await expect(page.getByRole('button', { name: 'Helpful', exact: true })).toHaveCount(answers);

    await page.reload();
    await openChat(page);
    await expect(page.getByText('Found it: it ships tomorrow.')).toHaveCount(1);
    await expect(page.getByText('Hello, I am looking into it.')).toHaveCount(1);
    await expect(page.getByText("You're talking with Maya from Support.")).toBeVisible();

    await staff.resolve(escalationId);
    await expect(page.getByText('This conversation was resolved')).toBeVisible();
    await expect(talk(page)).toBeVisible();
    expect(await escalationsOf(conversationId)).toHaveLength(1);
  } finally {
    offline();
  }
});

test('with nobody online a Low-confidence answer offers a person and asks for a valid email to answer to', async ({ page }) => {
  // A site without staff: the console tests, running alongside, keep the e2e site's Inbox open.
  await page.goto(hostPage('quiet.html', newTag('nobody')));
  await openChat(page);
  await ask(page, 'a low question');
  // Under the Low answer, and in the panel.
  await expect(talk(page)).toHaveCount(2);
  await talk(page).first().click();
  await expect(page.getByText("Nobody is online right now. Leave your email and we'll answer there.")).toBeVisible();
  await page.getByRole('textbox', { name: 'Your email' }).fill('ada@example');
  await requestButton(page).click();
  await expect(page.getByRole('alert')).toHaveText('Enter a valid email address, like name@example.com.');
  await expectNoAxeViolations(page);
  await page.getByRole('textbox', { name: 'Your email' }).fill('ada@example.com');
  await requestButton(page).click();
  await expect(page.getByText(/we'll answer by email at ada@example\.com/)).toBeVisible();

  const conversationId = await conversationIdOf(page, stackInfo().quietSiteKey);
  await expect.poll(async () => (await escalationsOf(conversationId)).length, { timeout: 15_000 }).toBe(1);
  expect((await escalationsOf(conversationId))[0]).toMatchObject({ trigger: 'low_confidence', contactEmail: 'ada@example.com', status: 'queued' });
  await expectNoAxeViolations(page);
});

test('a request made offline says so, and is stored once when the network returns', async ({ page }) => {
  await page.goto(hostPage('chat.html', newTag('offline')));
  await openChat(page);
  await ask(page, 'Can I return this?');
  // Let widget-live.js load while online (the panel preloads it), then lose the network.
  await page.waitForTimeout(500);
  await page.context().setOffline(true);
  await talk(page).click();
  await requestButton(page).click();
  await expect(page.getByText("Saved — will send when you're back online")).toBeVisible();
  await expectNoAxeViolations(page);
  const conversationId = await conversationIdOf(page);
  expect(await escalationsOf(conversationId)).toHaveLength(0);

  await page.context().setOffline(false);
  await expect.poll(async () => (await escalationsOf(conversationId)).length, { timeout: 20_000 }).toBe(1);
  // The request is shown as made: waiting in the queue, or queued for later when no staff member of the site is
  // online at that moment (presence comes from console tests that may run at the same time).
  await expect(page.getByText(/^Waiting for a person|^Nobody from our team is online right now\. Your request is queued/)).toBeVisible();
  await expect(page.getByText("Saved — will send when you're back online")).toHaveCount(0);
});
