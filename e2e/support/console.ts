/**
 * The console as staff drive it (by role and accessible name), and a user's side of a handoff made through
 * the real widget API: `signal.push` over HTTP with the site key and an allowed Origin, as the widget sends it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { API_URL, HOST_URL, stackInfo, type StaffAccount } from './env';

export const CONSOLE_URL = `${API_URL}/console/`;

/** Signs in on the sign-in page and waits for the Inbox. */
export async function signIn(page: Page, who: StaffAccount): Promise<void> {
  await page.goto(CONSOLE_URL);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Inbox' })).toBeVisible();
}

/** Accessibility violations axe finds on the page as it is now (WCAG 2 A/AA rules). */
export async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

const widgetHeaders = () => ({ 'content-type': 'application/json', 'x-backstop-key': stackInfo().siteKey, origin: HOST_URL });

async function widgetCall(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${API_URL}/trpc/${path}`, { method: 'POST', headers: widgetHeaders(), body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { result: { data: unknown } }).result.data;
}

/** A user's conversation on the e2e site, as the widget keeps it. */
export interface UserSide {
  conversationId: string;
  conversationToken: string;
  /** Sends a user message. */
  say(text: string): Promise<void>;
  /** The stored transcript as the widget reads it back (`conversation.byId`, POST). */
  transcript(): Promise<{ role: string; text: string; author: string | null }[]>;
}

/**
 * A conversation in which the user asked something, the agent answered with low confidence, and the user
 * asked for a person with `note`.
 */
export async function escalate(note: string): Promise<UserSide> {
  const conv = { conversationId: randomUUID(), conversationToken: randomBytes(24).toString('base64url') };
  const at = () => new Date().toISOString();
  const message = (role: 'user' | 'agent', text: string, extra: object = {}) => ({ kind: 'message', clientEventId: randomUUID(), ...conv, createdAt: at(), role, text, ...extra });
  await widgetCall('signal.push', {
    items: [
      message('user', 'Can I get a refund for last month?'),
      message('agent', 'Refunds are **always** possible within 90 days.', { answer: { id: `a-${randomUUID()}`, confidence: 0.3, traceId: randomBytes(16).toString('hex'), topic: 'billing' } }),
      { kind: 'escalation', clientEventId: randomUUID(), ...conv, createdAt: at(), trigger: 'user', note, pageUrl: `${HOST_URL}/billing`, identity: { name: 'Ada' } },
    ],
  });
  return {
    ...conv,
    say: async (text) => void (await widgetCall('signal.push', { items: [message('user', text)] })),
    transcript: async () => ((await widgetCall('conversation.byId', conv)) as { transcript: { role: string; text: string; author: string | null }[] }).transcript,
  };
}
