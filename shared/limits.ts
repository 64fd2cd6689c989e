/** Size limits that both sides enforce; the server is the authority, the widget splits batches to fit. */

/** Largest single signal (message, feedback, escalation) as JSON, in bytes. */
export const MAX_SIGNAL_BYTES = 16 * 1024;
/** Largest request body of a signal batch, in bytes. */
export const MAX_BATCH_BYTES = 256 * 1024;
/** Most signals in one batch. */
export const MAX_BATCH_ITEMS = 500;
/** Longest message text (user or agent), in characters. */
export const MAX_MESSAGE_TEXT = 8000;
