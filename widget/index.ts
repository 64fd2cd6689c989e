/** ESM entry (`backstop.mjs`): the same widget, started from code instead of a script tag. */
import { createApi } from './api/client';
import { checkOptions, type InitOptions } from './options';
import { createOutbox } from './outbox';
import type { LiveModule } from './live/index';
import { createWidget, type Widget } from './runtime';
import { warn } from './warn';

export { checkAgentAnswer } from '../shared/agent-answer';
export type { AgentAnswer, AnswerSource } from '../shared/agent-answer';
export type { AgentContext, AgentFn } from './agent';
export type { InitOptions } from './options';
export type { Widget } from './runtime';

/**
 * Starts the widget. Invalid options are reported with console warnings and left out; without a valid
 * `siteKey` nothing starts and undefined is returned. Never throws.
 */
export function init(options: InitOptions): Widget | undefined {
  try {
    const checked = checkOptions(options, 'init');
    const { siteKey } = checked;
    if (!siteKey) {
      // A present but invalid siteKey was already reported by checkOptions.
      if ((options as Partial<InitOptions> | null)?.siteKey === undefined) warn("init needs a 'siteKey' (pk_…).");
      return undefined;
    }
    // The live part of a handoff is widget-live.js, next to this file (the server serves both), loaded on first use.
    const liveUrl = new URL('widget-live.js', import.meta.url).href;
    const loadLive = (): Promise<LiveModule> => import(/* @vite-ignore */ liveUrl);
    return createWidget({ ...checked, siteKey, apiUrl: checked.apiUrl ?? location.origin }, { createApi, createOutbox, loadLive });
  } catch (e) {
    warn('could not start:', e);
    return undefined;
  }
}
