/** Feedback reasons and ratings, shared by widget, server and console. No runtime deps. */

/** Reason ids in the order the widget shows them, with their chip labels. */
export const FEEDBACK_REASONS = [
  { id: 'wrong', label: 'Wrong or made up' },
  { id: 'ignored_instruction', label: "Didn't do what I asked" },
  { id: 'forgot_context', label: 'Forgot earlier context' },
  { id: 'action_failed', label: 'An action failed' },
  { id: 'unsafe', label: 'Unsafe or inappropriate' },
  { id: 'other', label: 'Other' },
] as const;

export type FeedbackReason = (typeof FEEDBACK_REASONS)[number]['id'];

/** The reason ids, for schemas. */
export const FEEDBACK_REASON_IDS = FEEDBACK_REASONS.map((r) => r.id) as [FeedbackReason, ...FeedbackReason[]];

/** +1 helpful, -1 not helpful. */
export type Rating = 1 | -1;

/** Longest optional comment a user may attach to feedback. */
export const MAX_FEEDBACK_COMMENT = 2000;
