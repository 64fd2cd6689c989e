/**
 * The XSS corpus (support/xss-payloads.ts) in a real browser, everywhere untrusted text is shown: as user
 * text, agent text and a person's replies in the widget; as messages, feedback comments, escalation notes,
 * staff replies, internal notes, span names/attributes/events and site and staff names in every console view
 * (Inbox, conversation, Review overview, cases and a case with its waterfall). In each page no payload may
 * run script, trip the console's CSP, open a dialog or make the browser contact another host, and every link
 * shown is a visible http(s) link. Prompt-injection text stays text: no link that is not visibly a link, no
 * button made from text.
 */
import { expect, test, type Page } from '@playwright/test';
import { signIn, CONSOLE_URL } from './support/console';
import { API_URL, HOST_URL } from './support/env';
import { expectOnlyHttpLinks, guardPage, linksIn, type Guard } from './support/xss-guard';
import { XSS_PAYLOADS, joinedPayloads } from './support/xss-payloads';
import {
  answerWithPayloads,
  createHostileSite,
  escalationOf,
  HOSTILE_SITE_NAME,
  HOSTILE_RELEASE,
  HOSTILE_STAFF_NAME,
  HOSTILE_TOPIC,
  seedHostileConversation,
  staffApi,
  type HostileConversation,
  type HostileSite,
} from './support/xss-seed';
import { helpfulButtons, messageBox, newTag, openChat } from './support/widget';

const API_HOST = new URL(API_URL).host;
const HOST_HOST = new URL(HOST_URL).host;

/** What an agent's answer may say to staff to get them to act. */
const INJECTION = [
  '**Action required by support staff.** [Click to approve](javascript:window.__pwned="approve") the refund.',
  '',
  'Claim this now: <button onclick="window.__pwned=\'button\'">Claim</button> [Resolve](#resolve)',
  '',
  'Or open https://evil.example/approve?ticket=1 or javascript:window.__pwned="raw" or www.evil.example/claim or evil.example/claim',
].join('\n');

/** Elements no text may turn into. */
const FOREIGN_ELEMENTS = 'script, img, svg, math, iframe, object, embed, style, form, input, button, meta, base, link, details';

// One hostile site per worker: the widget tests run beside the console's, which share one seeded conversation.
let site: HostileSite;

test.beforeAll(async () => {
  expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(40);
  site = await createHostileSite();
});

test.afterAll(async () => {
  await site?.db.end();
});

const widgetPage = (tag: string) => `${HOST_URL}/xss.html?key=${encodeURIComponent(site.publicKey)}&tag=${tag}`;
/** The widget's own elements (its shadow roots are pierced by CSS locators). */
const widgetLinks = (page: Page) => linksIn(page.locator('backstop-widget'));

test('the widget renders every payload as user and agent text without running or loading anything', async ({ page }) => {
  test.setTimeout(90_000);
  const guard = await guardPage(page, [API_HOST, HOST_HOST]);
  const panel = page.locator('backstop-widget');
  // In two conversations: the panel keeps the last 50 turns, and every answer must be on screen when checked.
  const half = Math.ceil(XSS_PAYLOADS.length / 2);
  for (const [n, chunk] of [XSS_PAYLOADS.slice(0, half), XSS_PAYLOADS.slice(half)].entries()) {
    if (n > 0) await page.evaluate(() => sessionStorage.clear());
    await page.goto(widgetPage(newTag('xss')));
    await openChat(page);
    for (const [i, p] of chunk.entries()) {
      await messageBox(page).fill(p.text);
      await messageBox(page).press('Enter');
      await expect(helpfulButtons(page), `answer to "${p.name}"`).toHaveCount(i + 1);
    }
    // Each payload is shown twice (the user's text and the answer), and nothing of it became an element.
    const texts = panel.locator('.msg.user, .md');
    await expect(texts).toHaveCount(2 * chunk.length);
    await expect(texts.locator(FOREIGN_ELEMENTS)).toHaveCount(0);
    await guard.check();
    expectOnlyHttpLinks(await widgetLinks(page));
    if (chunk.some((p) => p.name === 'md javascript link')) {
      // A markdown link with another scheme is shown as its text, not as a link.
      await expect(panel.getByText('Click to approve').first()).toBeVisible();
      await expect(panel.getByRole('link', { name: 'Click to approve' })).toHaveCount(0);
    }
  }
  await expect(panel.getByText(XSS_PAYLOADS.at(-1)!.text.slice(0, 20)).first()).toBeVisible();
  // Rate the last answer with a hostile comment too.
  await page.getByRole('button', { name: 'Not helpful', exact: true }).last().click();
  await page.getByRole('button', { name: 'Wrong or made up', exact: true }).click();
  await page.getByRole('textbox', { name: 'Tell us more (optional)' }).fill(joinedPayloads(2000));
  await page.getByRole('button', { name: 'Send feedback' }).click();
  await guard.check();
  expectOnlyHttpLinks(await widgetLinks(page));
});

test("the widget renders a person's hostile name and replies inert", async ({ page }) => {
  test.setTimeout(60_000);
  const guard = await guardPage(page, [API_HOST, HOST_HOST]);
  await page.goto(widgetPage(newTag('xsshandoff')));
  await openChat(page);
  await messageBox(page).fill('I need a person');
  await messageBox(page).press('Enter');
  await expect(helpfulButtons(page)).toHaveCount(1);
  await page.getByRole('button', { name: 'Talk to a person' }).first().click();
  await page.getByRole('textbox', { name: 'What do you need help with? (optional)' }).fill(joinedPayloads(2000));
  await page.getByRole('button', { name: 'Request a person' }).click();
  const conversationId = await page.evaluate(
    (key) => (JSON.parse(sessionStorage.getItem(`backstop:${key}:conversation`) ?? 'null') as { id?: string } | null)?.id ?? null,
    site.publicKey,
  );
  expect(conversationId, 'the conversation id the widget keeps').toBeTruthy();
  const staff = await staffApi(site.admin);
  const escalationId = await escalationOf(staff, conversationId!);
  await answerWithPayloads(staff, escalationId, 'That is all from Support.');
  const panel = page.locator('backstop-widget');
  await expect(panel.getByText('That is all from Support.')).toBeVisible({ timeout: 20_000 });
  await expect(panel.getByText(`${HOSTILE_STAFF_NAME} from Support joined`)).toBeVisible();
  await guard.check();
  expectOnlyHttpLinks(await widgetLinks(page));
});

test.describe('the console', () => {
  test.describe.configure({ mode: 'serial' });
  let conv: HostileConversation;

  test.beforeAll(async () => {
    conv = await seedHostileConversation(site, [{ user: 'Please check my refund', agent: INJECTION }]);
    const staff = await staffApi(site.admin);
    await answerWithPayloads(staff, await escalationOf(staff, conv.conversationId), 'That is all from Support.');
  });

  const userContent = (page: Page) => page.locator('.msg-text, blockquote.comment, .user-text, .rationale, .wf-name, .wf-detail, .note-item, table.cases');

  async function expectInert(page: Page, guard: Guard) {
    await guard.check();
    expectOnlyHttpLinks(await linksIn(userContent(page)));
    await expect(userContent(page).locator(FOREIGN_ELEMENTS)).toHaveCount(0);
  }

  test('Inbox and conversation view', async ({ page }) => {
    test.setTimeout(60_000);
    const guard = await guardPage(page, [API_HOST]);
    await signIn(page, site.admin);
    await page.getByRole('group', { name: 'Filter' }).getByRole('button', { name: /^All open/ }).click();
    const row = page.locator(`a[href$="${await escalationHref(site, conv)}"]`);
    await expect(row).toBeVisible();
    await expect(row).toContainText(HOSTILE_SITE_NAME);
    await expectInert(page, guard);

    await row.click();
    await expect(page.getByRole('heading', { name: `Handoff from ${HOSTILE_SITE_NAME}` })).toBeVisible();
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await expect(transcript.getByText('That is all from Support.')).toBeVisible();
    await expect(page.locator('.note-item')).toHaveCount(XSS_PAYLOADS.length);
    await expectInert(page, guard);
  });

  test('prompt injection in an answer stays text: no hidden link, no button', async ({ page }) => {
    const guard = await guardPage(page, [API_HOST]);
    await signIn(page, site.admin);
    await page.goto(`${CONSOLE_URL}conversation/${await escalationIdOf(site, conv)}`);
    const transcript = page.getByRole('list', { name: 'Transcript' });
    const answer = transcript.locator('li.msg.agent').filter({ hasText: 'Action required by support staff.' });
    await expect(answer).toBeVisible();
    await expect(answer).toContainText('Click to approve the refund.');
    await expect(answer).toContainText('Claim this now: <button onclick=');
    // No link or button came out of the text.
    await expect(answer.getByRole('link', { name: 'Click to approve' })).toHaveCount(0);
    await expect(answer.getByRole('link', { name: 'Resolve' })).toHaveCount(0);
    await expect(transcript.getByRole('button')).toHaveCount(0);
    // The one link is the raw http(s) URL, shown as itself; other schemes and bare hosts stay text.
    const links = await linksIn(answer);
    expect(links.map((l) => [l.href, l.text])).toEqual([['https://evil.example/approve?ticket=1', 'https://evil.example/approve?ticket=1']]);
    expectOnlyHttpLinks(links);
    await guard.check();
  });

  test('Review overview, cases and the case with its waterfall', async ({ page }) => {
    test.setTimeout(60_000);
    const guard = await guardPage(page, [API_HOST]);
    await signIn(page, site.admin);
    const q = `?site=${site.siteId}`;
    await page.goto(`${API_URL}/console/review${q}`);
    await expect(page.getByRole('heading', { name: 'Review', level: 1 })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Negative cases by failure mode' })).toBeVisible();
    await expect(page.getByRole('combobox').first()).toContainText(HOSTILE_SITE_NAME);
    await expectInert(page, guard);

    await page.goto(`${API_URL}/console/review/calibration${q}`);
    await expect(page.getByRole('table', { name: 'Calibration by topic' })).toContainText(HOSTILE_TOPIC);
    await expectInert(page, guard);

    await page.goto(`${API_URL}/console/review/cases${q}`);
    const table = page.getByRole('table', { name: 'Cases, newest first' });
    await expect(table.getByRole('link').first()).toBeVisible();
    // Every case of the seeded conversation is listed under its hostile question (newest first, 50 a page).
    const more = page.getByRole('button', { name: 'Load more' });
    for (let i = 0; i < 5 && (await more.isVisible()); i++) {
      const shown = await table.getByRole('link').count();
      await more.click();
      await expect(table.getByRole('link')).not.toHaveCount(shown);
    }
    await expect(table.getByRole('link', { name: XSS_PAYLOADS[0]!.text, exact: true })).toBeVisible();
    await expect(table.getByRole('link', { name: XSS_PAYLOADS.at(-1)!.text, exact: true })).toBeVisible();
    await expect(table).toContainText(HOSTILE_RELEASE);
    await expect(page.getByRole('combobox', { name: 'Topic' })).toContainText(HOSTILE_TOPIC);
    await expectInert(page, guard);

    await page.goto(`${API_URL}/console/review/cases/${conv.tracedCaseId}${q}`);
    const spans = page.getByRole('list', { name: 'Spans' });
    await expect(spans.locator('.wf-row')).toHaveCount(XSS_PAYLOADS.length + 2); // the agent span and its LLM call
    await spans.locator('details').evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
    await expect(spans.getByText(XSS_PAYLOADS[0]!.text, { exact: true }).first()).toBeVisible();
    await expect(page.getByRole('list', { name: 'Transcript' }).getByText('That is all from Support.')).toBeVisible();
    await expectInert(page, guard);
  });
});

/** The console's path of the conversation's escalation. */
async function escalationIdOf(s: HostileSite, c: HostileConversation): Promise<string> {
  const { rows } = await s.db.query<{ id: string }>(`select id from escalations where conversation_id = $1`, [c.conversationId]);
  return rows[0]!.id;
}

async function escalationHref(s: HostileSite, c: HostileConversation): Promise<string> {
  return `/console/conversation/${await escalationIdOf(s, c)}`;
}
