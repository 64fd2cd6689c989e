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
    // Bundlers split the live part of a handoff into a chunk of its own, loaded on first use.
    const loadLive = (): Promise<LiveModule> => import('./live/index');
    return createWidget({ ...checked, siteKey, apiUrl: checked.apiUrl ?? location.origin }, { createApi, createOutbox, loadLive });
  } catch (e) {
    warn('could not start:', e);
    return undefined;
  }
}
