/**
 * Verifies the identity tokens a customer's server makes for its signed-in users: a JWT signed with
 * HS256 (with `exp`, `sub` = the user id), or the hex HMAC-SHA256 of the user id. Both are keyed with
 * one of the site's identity secrets; every secret that has not expired is tried, so tokens made with
 * the previous secret keep working through a rotation's grace period.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify } from 'jose';

/** Seconds of clock difference tolerated between the customer's server and ours for `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** Why a token was not accepted; logged for operators, never shown to the end user. */
export type IdentityRefusal = 'no_secret' | 'malformed' | 'bad_signature' | 'bad_algorithm' | 'expired' | 'missing_exp' | 'wrong_user' | 'not_yet_valid';

export type IdentityVerdict = { verified: true; via: 'jwt' | 'hmac' } | { verified: false; reason: IdentityRefusal };

/** A secret as verification needs it: its text and when it stops being valid (null while current). */
export interface UsableSecret {
  secret: string;
  expiresAt: Date | null;
}

const HEX_HMAC = /^[0-9a-f]{64}$/i;
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** The hex HMAC-SHA256 of the user id with `secret`: the simple token a customer's server can make. */
export function identityHmac(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

/** Whether `token` is a valid signature of `userId` with one of the secrets still valid at `now`. */
export async function verifyIdentityToken(secrets: readonly UsableSecret[], userId: string, token: string, now = new Date()): Promise<IdentityVerdict> {
  const valid = secrets.filter((s) => s.expiresAt === null || s.expiresAt.getTime() > now.getTime());
  if (valid.length === 0) return { verified: false, reason: 'no_secret' };
  if (HEX_HMAC.test(token)) return verifyHmac(valid, userId, token);
  if (JWT_SHAPE.test(token)) return verifyJwt(valid, userId, token, now);
  return { verified: false, reason: 'malformed' };
}

function verifyHmac(secrets: readonly UsableSecret[], userId: string, token: string): IdentityVerdict {
  const given = Buffer.from(token, 'hex');
  let match = false;
  // Every secret is compared, so the time taken does not say which one matched.
  for (const { secret } of secrets) match = timingSafeEqual(given, Buffer.from(identityHmac(secret, userId), 'hex')) || match;
  return match ? { verified: true, via: 'hmac' } : { verified: false, reason: 'bad_signature' };
}

async function verifyJwt(secrets: readonly UsableSecret[], userId: string, token: string, now: Date): Promise<IdentityVerdict> {
  let refusal: IdentityRefusal = 'bad_signature';
  for (const { secret } of secrets) {
    try {
      const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
        // HS256 only: `none`, other HMAC sizes and public-key algorithms (key-confusion attacks) are refused.
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: now,
      });
      return payload.sub === userId ? { verified: true, via: 'jwt' } : { verified: false, reason: 'wrong_user' };
    } catch (error) {
      // A signature that fails with this secret may hold with the next; any other refusal is final.
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      refusal = jwtRefusal(error);
      break;
    }
  }
  return { verified: false, reason: refusal };
}

function jwtRefusal(error: unknown): IdentityRefusal {
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'bad_algorithm';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp') return 'missing_exp';
    if (error.claim === 'sub') return 'wrong_user';
    if (error.claim === 'nbf' || error.claim === 'iat') return 'not_yet_valid';
  }
  return 'malformed';
}
