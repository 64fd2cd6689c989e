/**
 * The `Backstop(...)` global. The page's snippet queues calls made before the bundle arrives
 * (`Backstop.q`); the bundle replays them in order, then replaces the stub with the real function and
 * marks it loaded, so a second copy of the script does nothing. A bad call is logged and skipped: nothing
 * here throws into the host page.
 */
import { checkOptions, SCRIPT_OPTIONS, type InitOptions } from './options';
import type { Widget } from './runtime';
import { warn } from './warn';

/** Starts a widget for complete options; the real one is `createWidget`. */
export type StartWidget = (options: InitOptions & { apiUrl: string }) => Widget;

/** The global as the snippet defines it, and as the bundle replaces it. */
export interface BackstopGlobal {
  (...args: unknown[]): void;
  q?: ArrayLike<unknown>[];
  loaded?: boolean;
}

const COMMANDS = 'init, identify, attach, open, close, reset, destroy';

/** The script tag that loaded the bundle; `currentScript` can be missing, so fall back to a search. */
export function findScript(doc: Document): HTMLScriptElement | null {
  const current = doc.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  return doc.querySelector('script[src][data-site-key]') ?? doc.querySelector('script[src*="widget.js"]');
}

/** Options written on the script tag (`data-site-key`, `data-agent-url`, …); the server defaults to its origin. */
export function scriptOptions(script: HTMLScriptElement | null): Partial<InitOptions> {
  if (!script) return {};
  const raw: Record<string, string> = {};
  for (const k of SCRIPT_OPTIONS) {
    const v = script.dataset[k];
    if (v) raw[k] = v;
  }
  const options = checkOptions(raw, 'the script tag');
  if (!options.apiUrl && script.src) {
    try {
      options.apiUrl = new URL(script.src, location.href).origin;
    } catch {
      // An unparseable src leaves the page's own origin as the default.
    }
  }
  return options;
}

/** Installs the real `Backstop` on `win` and replays the queue; a no-op when a copy is already loaded. */
export function boot(win: { Backstop?: unknown }, script: HTMLScriptElement | null, start: StartWidget): void {
  try {
    const stub = win.Backstop as BackstopGlobal | undefined;
    if (stub?.loaded) return;
    const queued = Array.from(stub?.q ?? []);
    let options = scriptOptions(script);
    let widget: Widget | undefined;
    let replaying = true;
    let initCalled = false;
    // The latest identify call, kept for a widget started later (or again after destroy).
    let identity: unknown;
    // A reset asked for while no widget runs (queued before init, or after destroy): the next widget starts with it,
    // so it does not continue the conversation an earlier page of the tab left in storage.
    let resetDue = false;

    const ensure = (command: string): Widget | undefined => {
      if (widget) return widget;
      const { siteKey } = options;
      if (!siteKey) {
        warn(`Backstop('${command}') needs a site key: add data-site-key="pk_…" to the script tag or call Backstop('init', { siteKey: 'pk_…' }) first.`);
        return undefined;
      }
      widget = start({ ...options, siteKey, apiUrl: options.apiUrl ?? location.origin });
      if (resetDue) widget.reset();
      resetDue = false;
      if (identity) widget.identify(identity);
      return widget;
    };

    const run = (args: ArrayLike<unknown>) => {
      const command = args[0];
      try {
        switch (command) {
          case 'init': {
            initCalled = true;
            const next = checkOptions(args[1], "Backstop('init')");
            if (widget) widget.update(next);
            else options = { ...options, ...next };
            // During replay, start once the whole queue has been merged (the queue may set more options).
            if (!widget && !replaying && options.siteKey) ensure('init');
            break;
          }
          case 'identify':
            identity = args[1];
            widget?.identify(identity);
            break;
          case 'attach':
            ensure('attach')?.attach(args[1], args[2]);
            break;
          case 'open':
            ensure('open')?.open();
            break;
          case 'close':
            widget?.close();
            break;
          case 'reset':
            // The identity was the user who signed out: a widget started later must not get it either.
            identity = undefined;
            if (widget) widget.reset();
            else resetDue = true;
            break;
          case 'destroy':
            widget?.destroy();
            widget = undefined;
            break;
          default:
            warn(`unknown command '${String(command)}' was ignored; the commands are ${COMMANDS}.`);
        }
      } catch (e) {
        warn(`Backstop('${String(command)}') failed:`, e);
      }
    };

    const backstop: BackstopGlobal = (...args: unknown[]) => run(args);
    backstop.loaded = true;
    win.Backstop = backstop;
    queued.forEach(run);
    replaying = false;
    if (options.siteKey) ensure('init');
    else if (!initCalled) warn(`no site key: add data-site-key="pk_…" to the script tag or call Backstop('init', { siteKey: 'pk_…' }).`);
  } catch (e) {
    warn('could not start:', e);
  }
}
