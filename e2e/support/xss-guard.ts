/**
 * What a hostile text must never achieve in a page, recorded from the first navigation: running script
 * (the `window.__pwned` trap the payloads set, dialogs from `alert`), being blocked by a CSP (a blocked
 * attempt still means markup reached the DOM), or making the browser contact a host other than ours.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export interface Guard {
  /** Every request to a host outside `allowedHosts` (aborted, so nothing leaves). */
  foreignRequests: string[];
  dialogs: string[];
  /** Fails the test with everything that went wrong so far. */
  check(): Promise<void>;
}

declare global {
  interface Window {
    __pwnedBy?: string[];
    __xssViolations?: string[];
  }
}

/** Installs the traps; call before the first `goto`. `allowedHosts` are `host:port` strings. */
export async function guardPage(page: Page, allowedHosts: string[]): Promise<Guard> {
  const foreignRequests: string[] = [];
  const dialogs: string[] = [];
  await page.route('**', async (route) => {
    const url = route.request().url();
    let host = '';
    try {
      host = new URL(url).host;
    } catch {
      // not a URL with a host: treated as foreign
    }
    if (allowedHosts.includes(host)) await route.continue();
    else {
      foreignRequests.push(url);
      await route.abort('blockedbyclient');
    }
  });
  // Requests page.route does not see (other schemes) are recorded too.
  page.on('request', (r) => {
    const url = r.url();
    if (/^(?:javascript|vbscript|file):/i.test(url)) foreignRequests.push(url);
  });
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  // Runs in every frame before any page script: a payload that runs sets the trap (parent's too, from an iframe).
  await page.addInitScript(() => {
    const hits: string[] = [];
    Object.defineProperty(window, '__pwnedBy', { value: hits });
    Object.defineProperty(window, '__pwned', {
      get: () => undefined,
      set: (v: unknown) => void hits.push(String(v)),
    });
    const violations: string[] = [];
    Object.defineProperty(window, '__xssViolations', { value: violations });
    document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'} ${e.sample}`), true);
  });
  return {
    foreignRequests,
    dialogs,
    async check() {
      const inPage = await page.evaluate(() => ({ pwned: window.__pwnedBy ?? [], violations: window.__xssViolations ?? [] }));
      expect({ ...inPage, dialogs, foreignRequests }, 'no payload ran, was blocked by CSP, or reached another host').toEqual({
        pwned: [],
        violations: [],
        dialogs: [],
        foreignRequests: [],
      });
    },
  };
}

export interface RenderedLink {
  href: string;
  protocol: string;
  text: string;
  /** Whether it looks like a link: its colour differs from its paragraph's, or it is underlined. */
  looksLikeLink: boolean;
}

/** Every link under `scope` (shadow roots included), with what a reader sees of it. */
export async function linksIn(scope: Locator): Promise<RenderedLink[]> {
  return scope.locator('a').evaluateAll((links) =>
    links.map((a) => {
      const el = a as HTMLAnchorElement;
      const style = getComputedStyle(el);
      const around = el.parentElement ? getComputedStyle(el.parentElement) : style;
      return {
        href: el.getAttribute('href') ?? '',
        protocol: el.protocol,
        text: el.textContent ?? '',
        looksLikeLink: style.textDecorationLine.includes('underline') || style.color !== around.color,
      };
    }),
  );
}

/** Every link is a visible link to http(s), with text. */
export function expectOnlyHttpLinks(links: RenderedLink[]): void {
  const bad = links.filter((l) => !/^https?:$/.test(l.protocol) || !l.text.trim() || !l.looksLikeLink);
  expect(bad, 'links that are not visible http(s) links').toEqual([]);
}
