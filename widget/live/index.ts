/**
 * `widget-live.js`: the part of a handoff that runs only once a conversation has an escalation (reading its
 * state, the live stream, the status texts). A file of its own, loaded on first use, so the script tag's
 * bundle stays small; it holds no Preact or signals (two copies of those would not see each other).
 */
export { awaitDrafts } from './drafts';
export { follow, statusText } from './follow';
export { makeHandoffForm } from './handoff-form';
export { identify } from './identity';
export type { ConversationView, FollowOptions, HandoffApi, HandoffState } from './follow';

/** What widget.js gets from `import('widget-live.js')`. */
export interface LiveModule {
  follow: typeof import('./follow').follow;
  statusText: typeof import('./follow').statusText;
  makeHandoffForm: typeof import('./handoff-form').makeHandoffForm;
  identify: typeof import('./identity').identify;
  awaitDrafts: typeof import('./drafts').awaitDrafts;
}
