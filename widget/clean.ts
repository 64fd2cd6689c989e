/**
 * `fetch` and `JSON` as the browser made them, whatever the host page did to its globals. Taken when the
 * bundle loads, so later patches (analytics wrappers, mocks, zone.js) never reach us; when they already
 * look patched then (not native code), from a fresh same-origin iframe's realm, which no page script has
 * touched yet. The iframe is removed at once: its `fetch`, called on our window, and its `JSON` keep
 * working. The build makes every `JSON` of the bundle, ours and our dependencies', this one (see
 * vite.config.ts). What this does not defend is in README, "Hostile host pages".
 */
type Clean = { fetch: typeof fetch; JSON: JSON };

function take(): Clean {
  const g = globalThis;
  const J = g.JSON;
  const page: Clean = { fetch: g.fetch, JSON: { stringify: J.stringify, parse: J.parse } as JSON };
  try {
    // A page script can make a wrapper look native too; this catches the usual patches, cheaply.
    if ([page.fetch, J.stringify, J.parse].every((f) => /\[native code]/.test(Function.prototype.toString.call(f)))) return page;
    const frame = document.createElement('iframe');
    document.documentElement.append(frame);
    const w = frame.contentWindow as unknown as Clean;
    const fresh = { fetch: w.fetch, JSON: w.JSON };
    frame.remove();
    return fresh;
  } catch {
    // No fetch or no DOM (tests), or no realm to be had: the page's own, as they were at load.
    return page;
  }
}

const clean = take();

/** The browser's `fetch`, on this window. */
export const cleanFetch: typeof fetch | undefined = clean.fetch?.bind(globalThis);

/** The browser's `JSON` (objects it parses may come from the clean realm: use Array.isArray, not instanceof). */
export const cleanJSON: JSON = clean.JSON;
