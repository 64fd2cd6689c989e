import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { identityHmac, verifyIdentityToken, type UsableSecret } from './identity';

const SECRET = 'idsec_current-secret-of-the-site-0123456789';
const OLD = 'idsec_previous-secret-of-the-site-9876543210';
const now = new Date('2026-12-05T12:00:00Z');
const inSeconds = (s: number) => Math.floor(now.getTime() / 1000) + s;
const current: UsableSecret[] = [{ secret: SECRET, expiresAt: null }];

function jwt(claims: Record<string, unknown>, secret = SECRET, alg = 'HS256') {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('verifyIdentityToken', () => {
  it('should verify an HS256 JWT whose sub is the user id and exp is in the future', async () => {
    const token = await jwt({ sub: 'u_42', exp: inSeconds(600) });
    expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: true, via: 'jwt' });
  });

  it('should refuse an expired JWT', async () => {
    const token = await jwt({ sub: 'u_42', exp: inSeconds(-3600) });
    expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: false, reason: 'expired' });
  });

  it('should refuse a JWT without exp', async () => {
    const token = await jwt({ sub: 'u_42' });
    expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: false, reason: 'missing_exp' });
  });

  it('should refuse a JWT made for another user', async () => {
    const token = await jwt({ sub: 'u_7', exp: inSeconds(600) });
    expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: false, reason: 'wrong_user' });
  });

  it('should refuse a JWT signed with another secret', async () => {
    const token = await jwt({ sub: 'u_42', exp: inSeconds(600) }, 'idsec_someone-else-entirely-000000000000');
    expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: false, reason: 'bad_signature' });
  });

  it("should refuse an unsigned JWT (alg 'none')", async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u_42', exp: inSeconds(600) })}.`;
    expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: false, reason: 'bad_algorithm' });
  });

  it('should refuse a JWT signed with HS512 even with the right secret', async () => {
    const token = await jwt({ sub: 'u_42', exp: inSeconds(600) }, SECRET, 'HS512');
    expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: false, reason: 'bad_algorithm' });
  });

  it('should refuse a JWT signed with a public-key algorithm', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'u_42', exp: inSeconds(600) }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: false, reason: 'bad_algorithm' });
  });

  it('should verify a hex HMAC-SHA256 of the user id, in either letter case', async () => {
    const mac = identityHmac(SECRET, 'u_42');
    expect(await verifyIdentityToken(current, 'u_42', mac, now)).toEqual({ verified: true, via: 'hmac' });
    expect(await verifyIdentityToken(current, 'u_42', mac.toUpperCase(), now)).toEqual({ verified: true, via: 'hmac' });
  });

  it('should refuse an HMAC of another user id or with another secret', async () => {
    expect(await verifyIdentityToken(current, 'u_42', identityHmac(SECRET, 'u_43'), now)).toEqual({ verified: false, reason: 'bad_signature' });
    expect(await verifyIdentityToken(current, 'u_42', identityHmac(OLD, 'u_42'), now)).toEqual({ verified: false, reason: 'bad_signature' });
  });

  it('should refuse an HMAC of the wrong length or with characters that are not hex', async () => {
    const mac = identityHmac(SECRET, 'u_42');
    for (const token of [mac.slice(0, 62), `${mac}00`, `${mac.slice(0, 63)}g`, ''])
      expect(await verifyIdentityToken(current, 'u_42', token, now)).toEqual({ verified: false, reason: 'malformed' });
  });

  it('should accept tokens of a rotated-out secret during its grace period and refuse them after', async () => {
    const rotated: UsableSecret[] = [
      { secret: SECRET, expiresAt: null },
      { secret: OLD, expiresAt: new Date(now.getTime() + 3_600_000) },
    ];
    const token = await jwt({ sub: 'u_42', exp: inSeconds(7200) }, OLD);
    expect(await verifyIdentityToken(rotated, 'u_42', token, now)).toMatchObject({ verified: true });
    expect(await verifyIdentityToken(rotated, 'u_42', identityHmac(OLD, 'u_42'), now)).toMatchObject({ verified: true });
    const later = new Date(now.getTime() + 3_600_001);
    expect(await verifyIdentityToken(rotated, 'u_42', token, later)).toEqual({ verified: false, reason: 'bad_signature' });
    expect(await verifyIdentityToken(rotated, 'u_42', identityHmac(OLD, 'u_42'), later)).toEqual({ verified: false, reason: 'bad_signature' });
  });

  it('should refuse everything when the site has no secret that is still valid (revoked)', async () => {
    const revoked: UsableSecret[] = [{ secret: SECRET, expiresAt: now }];
    expect(await verifyIdentityToken(revoked, 'u_42', identityHmac(SECRET, 'u_42'), now)).toEqual({ verified: false, reason: 'no_secret' });
    expect(await verifyIdentityToken([], 'u_42', await jwt({ sub: 'u_42', exp: inSeconds(60) }), now)).toEqual({ verified: false, reason: 'no_secret' });
  });

  it('should refuse text that is neither a JWT nor a hex HMAC', async () => {
    expect(await verifyIdentityToken(current, 'u_42', 'let me in', now)).toEqual({ verified: false, reason: 'malformed' });
  });
});
