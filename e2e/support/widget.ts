/**
 * The widget as a user drives it: by role and accessible name (Playwright's role locators pierce the
 * widget's open shadow root).
 */
import { randomBytes } from 'node:crypto';
import { expect, type Locator, type Page } from '@playwright/test';
import { HOST_URL, REFUSED_URL } from './env';

/** A marker unique to one test, put into answer ids and questions so its rows can be found. */
export const newTag = (what: string): string => `e2e${what}${randomBytes(4).toString('hex')}`;

/** A page of the host site (e2e/pages), with the test's tag for the local agent's answer ids. */
export const hostPage = (file: string, tag: string, origin = HOST_URL): string => `${origin}/${file}?tag=${encodeURIComponent(tag)}`;
export const refusedPage = (file: string, tag: string): string => hostPage(file, tag, REFUSED_URL);

export const launcher = (page: Page): Locator => page.getByRole('button', { name: 'Open support chat' });
export const messageBox = (page: Page): Locator => page.getByRole('textbox', { name: 'Message' });
/** One per agent answer. `exact`, so that "Not helpful" is not matched too. */
export const helpfulButtons = (page: Page): Locator => page.getByRole('button', { name: 'Helpful', exact: true });
export const notHelpfulButtons = (page: Page): Locator => page.getByRole('button', { name: 'Not helpful', exact: true });

export async function openChat(page: Page): Promise<void> {
  await expect(launcher(page)).toBeVisible();
  await launcher(page).click();
  await expect(messageBox(page)).toBeVisible();
}

/**
 * Sends a message with Enter and waits for the agent's answer (one more "Helpful" button).
 * `answered` is how many answers the panel shows already, when the caller knows it.
 */
export async function ask(page: Page, text: string, answered?: number): Promise<void> {
  const before = answered ?? (await helpfulButtons(page).count());
  await messageBox(page).fill(text);
  await messageBox(page).press('Enter');
  await expect(helpfulButtons(page)).toHaveCount(before + 1);
}

/** Rates the answer at `index` as helpful. */
export async function rateHelpful(page: Page, index: number): Promise<void> {
  const button = helpfulButtons(page).nth(index);
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
}

/** Rates the answer at `index` as not helpful with one reason and an optional comment, and sends it. */
export async function rateNotHelpful(page: Page, index: number, reason = 'Wrong or made up', comment?: string): Promise<void> {
  await notHelpfulButtons(page).nth(index).click();
  await page.getByRole('button', { name: reason, exact: true }).click();
  if (comment !== undefined) await page.getByRole('textbox', { name: 'Tell us more (optional)' }).fill(comment);
  await page.getByRole('button', { name: 'Send feedback' }).click();
  await expect(notHelpfulButtons(page).nth(index)).toHaveAttribute('aria-pressed', 'true');
}

/** Asks `count` questions and rates each answer, alternating helpful and not helpful. */
export async function askAndRate(page: Page, count: number, prefix = 'Question'): Promise<void> {
  const first = await helpfulButtons(page).count();
  for (let i = 0; i < count; i++) {
    await ask(page, `${prefix} ${i + 1}`, first + i);
    if (i % 2 === 0) await rateHelpful(page, first + i);
    else await rateNotHelpful(page, first + i);
  }
}

export interface PageProblems {
  pageErrors: string[];
  consoleErrors: string[];
  /** Collected in the page by an init script; read with `cspViolations()`. */
  cspViolations(): Promise<string[]>;
}

/**
 * Records what would bother the host page's owner: uncaught errors, console errors and CSP violations.
 * Call before the first navigation.
 */
export async function watchPage(page: Page): Promise<PageProblems> {
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.addInitScript(() => {
    const list: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = list;
    document.addEventListener(
      'securitypolicyviolation',
      (e) => list.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} ${e.sample}`),
      true,
    );
  });
  return {
    pageErrors,
    consoleErrors,
    cspViolations: () => page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []),
  };
}
