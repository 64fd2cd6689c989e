/**
 * Isolated hosts: a custom element with an open shadow root whose styles are constructable stylesheets,
 * which work under a strict host CSP (`style-src 'self'`) where <style> tags and style attributes do not.
 */
const sheets = new Map<string, CSSStyleSheet>();

function sheetOf(css: string): CSSStyleSheet {
  let sheet = sheets.get(css);
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    sheets.set(css, sheet);
  }
  return sheet;
}

/** A new, not yet inserted `<name>` element with an open shadow root adopting `css`. */
export function createHost(name: string, css: string[]): { host: HTMLElement; root: ShadowRoot } {
  // Another copy of the widget (or the host) may have defined the name already; any definition will do.
  if (!customElements.get(name)) customElements.define(name, class extends HTMLElement {});
  const host = document.createElement(name);
  const root = host.attachShadow({ mode: 'open' });
  root.adoptedStyleSheets = css.map(sheetOf);
  return { host, root };
}

/** Adds the stylesheets of `css` that `root` does not have yet, after those it has. */
export function adopt(root: ShadowRoot, css: string[]): void {
  const more = css.map(sheetOf).filter((s) => !root.adoptedStyleSheets.includes(s));
  if (more.length) root.adoptedStyleSheets = [...root.adoptedStyleSheets, ...more];
}

/** Runs `fn` once the page has a body (the script may run from <head>). */
export function whenBody(fn: () => void): void {
  if (document.body) fn();
  else document.addEventListener('DOMContentLoaded', fn, { once: true });
}

/**
 * Puts `host` back at the end of <body> whenever the page drops it, as single-page apps do when they
 * swap the body. Returns the cleanup.
 */
export function keepAttached(host: HTMLElement): () => void {
  const observer = new MutationObserver(() => {
    if (!host.isConnected && document.body) document.body.append(host);
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
  return () => observer.disconnect();
}
