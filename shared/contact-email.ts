/**
 * The check the widget runs on the email a user leaves for an answer when nobody is online. It accepts
 * what the server's `z.email()` accepts (a unit test runs both over the same inputs): a refused address
 * would make the whole request for a person fail on the server, after the user was told it was sent.
 */

/** Longest contact email the server stores. */
export const MAX_CONTACT_EMAIL = 200;

// The same rule as zod's default email pattern: no leading, trailing or doubled dot in the local part; a
// dotted domain of letters, digits and inner hyphens, ending in a label of two or more letters.
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

/** Whether `value` (already trimmed) is an email address the server takes. */
export const isContactEmail = (value: string): boolean => value.length <= MAX_CONTACT_EMAIL && EMAIL.test(value);
