/**
 * What the databases cannot store, made storable in a way the user cannot see. The widget applies it
 * before it shows and records a text, and the server's schemas apply it again for other clients, so the
 * text a user read and the text stored are the same.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Removes U+0000 (PostgreSQL refuses it in text and jsonb), replaces lone UTF-16 surrogates with U+FFFD
 * (the database driver would do so silently for text, and jsonb refuses them), and removes byte order
 * marks (U+FEFF) at the start, which the embedded database's reader drops when the text is read back.
 * Other control characters are stored as they are.
 */
export function cleanText(text: string): string {
  return text.replace(/\u0000/g, '').replace(LONE_SURROGATE, '\uFFFD').replace(/^\uFEFF+/, '');
}

/** The smallest positive normal `real` (float4); PostgreSQL refuses smaller magnitudes that round to zero. */
export const FLOAT4_MIN_NORMAL = 1.1754943508222875e-38;

/** A confidence in 0..1 as stored: values too small for a `real` (and -0) become 0. */
export function cleanConfidence(value: number): number {
  return value < FLOAT4_MIN_NORMAL ? 0 : value;
}
