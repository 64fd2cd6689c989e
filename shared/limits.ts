/**
 * Size limits that both sides enforce; the server is the authority, the widget splits batches to fit.
 *
 * The one size rule: a signal, serialised as the outbox sends it (`JSON.stringify`), may take at most
 * MAX_SIGNAL_BYTES bytes of UTF-8. The widget's answer check, its composer, the server's schemas and its
 * batch check all measure with `jsonBytes` against it, so whatever the widget shows also fits.
 */

/** Largest single signal (message, feedback, escalation) as JSON, in bytes of UTF-8. */
export const MAX_SIGNAL_BYTES = 16 * 1024;
/**
 * Room kept for what the widget adds around a text or answer (kind, role, ids, token, time, error): at
 * most ~460 bytes even with the longest token the schemas accept; the rest is for the content.
 */
export const SIGNAL_ENVELOPE_BYTES = 1024;
/** Largest content of a signal (a message's text, an agent answer) as JSON, in bytes. */
export const MAX_CONTENT_BYTES = MAX_SIGNAL_BYTES - SIGNAL_ENVELOPE_BYTES;
/** Largest request body of a signal batch, in bytes. */
export const MAX_BATCH_BYTES = 256 * 1024;
/** Most signals in one batch. */
export const MAX_BATCH_ITEMS = 500;
/** Longest message text (user or agent), in characters; the byte rule above applies as well. */
export const MAX_MESSAGE_TEXT = 8000;

const encoder = new TextEncoder();

/** Bytes of a string in UTF-8. */
export const utf8Bytes = (s: string): number => encoder.encode(s).length;

/** Bytes of a value as JSON, as the outbox serialises it. */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value));

/** Whether content (`{ text }`, an answer) leaves room for the envelope within MAX_SIGNAL_BYTES. */
export const fitsInSignal = (content: object): boolean => jsonBytes(content) <= MAX_CONTENT_BYTES;

/** The shortest password a staff account may have. */
export const MIN_PASSWORD_LENGTH = 12;
