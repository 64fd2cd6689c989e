/**
 * Wire schemas of end-user identity: what the widget sends after `Backstop('identify', …)`, a verified
 * user's earlier conversations, and the staff settings (identity mode, the site's identity secrets).
 */
import { z } from 'zod';
import { DEFAULT_GRACE_HOURS, IDENTITY_MODES, MAX_GRACE_HOURS, MAX_IDENTITY_TOKEN, MAX_USER_ID, type IdentityMode } from './identity-rules';
import { cleanText } from './normalise';

export * from './identity-rules';

const storable = () => z.string().overwrite(cleanText);
const conversationToken = z.string().min(16).max(200);
const userId = storable().trim().min(1, 'give the user id').max(MAX_USER_ID);
const identityToken = z.string().min(1).max(MAX_IDENTITY_TOKEN);

/** An identity the host page gave, for one conversation: verified when `token` is a valid signature of `userId`. */
export const identifyInput = z.object({
  conversationId: z.uuid(),
  conversationToken,
  userId,
  name: storable().trim().max(200).optional(),
  email: storable().trim().max(320).optional(),
  token: identityToken.optional(),
});
export type IdentifyInput = z.infer<typeof identifyInput>;

/**
 * What the widget learns: whether the identity was verified and, if not, why (for a console warning to
 * the developer; the end user is shown nothing). The reasons say nothing a token's maker does not know.
 */
export interface IdentifyResult {
  verified: boolean;
  reason?: 'no_token' | 'no_secret' | 'malformed' | 'bad_signature' | 'bad_algorithm' | 'expired' | 'missing_exp' | 'wrong_user' | 'not_yet_valid';
}

/** A verified user's proof, to list their conversations on any device. */
export const mineInput = z.object({ userId, token: identityToken });

/** One of a verified user's earlier conversations, with a token that opens it on this device. */
export interface MyConversation {
  conversationId: string;
  startedAt: string;
  /** The newest message's text (cut to 140 characters), or null when the conversation has none. */
  preview: string | null;
  lastMessageAt: string | null;
  /** Opens this conversation like its own token does (byId, streamTicket, signal.push). */
  accessToken: string;
}

export const identitySecretListInput = z.object({ siteId: z.uuid() });
export const rotateIdentitySecretInput = z.object({
  siteId: z.uuid(),
  graceHours: z.number().int().min(0).max(MAX_GRACE_HOURS, `at most ${MAX_GRACE_HOURS} hours (30 days)`).default(DEFAULT_GRACE_HOURS),
});
export const revokeIdentitySecretInput = z.object({ siteId: z.uuid(), secretId: z.uuid() });
export const setIdentityModeInput = z.object({ siteId: z.uuid(), mode: z.enum(IDENTITY_MODES) });

/** An identity secret as lists show it: never the secret, which exists only in the answer that created it. */
export interface IdentitySecretInfo {
  id: string;
  createdAt: string;
  createdBy: string | null;
  /** Null while current; the end of the grace period after a rotation, or the revocation time. */
  expiresAt: string | null;
  state: 'current' | 'grace' | 'expired';
}

export interface CreatedIdentitySecret extends IdentitySecretInfo {
  /** The secret, shown this once. */
  secret: string;
}

/** A site's identity settings as the console shows them. */
export interface IdentitySettings {
  mode: IdentityMode;
  secrets: IdentitySecretInfo[];
}
