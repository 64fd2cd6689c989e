/** Identity constants without zod, so the console and the widget can import them without pulling zod in. */

/** `optional`: unverified identities are kept as claims, marked unverified; `required`: they are ignored. */
export const IDENTITY_MODES = ['optional', 'required'] as const;
export type IdentityMode = (typeof IDENTITY_MODES)[number];

/** How long a rotated-out secret stays valid unless told otherwise. */
export const DEFAULT_GRACE_HOURS = 24;
/** The longest grace period a rotation may give (30 days). */
export const MAX_GRACE_HOURS = 720;
/** Longest user id; customers' ids are database keys or emails, not documents. */
export const MAX_USER_ID = 200;
/** Longest identity token: a JWT with a few claims, or a 64-character hex HMAC. */
export const MAX_IDENTITY_TOKEN = 4096;
