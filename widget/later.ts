/**
 * Start-up work the launcher does not need, run afterwards in tasks of its own. The host page cannot
 * handle input during any of our tasks, so one long start-up task (script, storage, network client,
 * panel) is what makes a widget feel heavy on slow phones; several short ones after it are not.
 */

type IdleCallback = (cb: () => void, options: { timeout: number }) => number;

/**
 * Runs `fn` in a task of its own once the page is idle, and at the latest after about `timeoutMs`.
 * Returns the cancel. Browsers without requestIdleCallback get a plain timer.
 */
export function later(fn: () => void, timeoutMs: number): () => void {
  const idle = (globalThis as { requestIdleCallback?: IdleCallback }).requestIdleCallback;
  if (typeof idle === 'function') {
    const id = idle(fn, { timeout: timeoutMs });
    return () => cancelIdleCallback(id);
  }
  const id = setTimeout(fn, 1);
  return () => clearTimeout(id);
}
