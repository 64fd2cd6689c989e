import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, needsRehash, newIngestKey, newPublicKey, PASSWORD_COST, verifyPassword } from './secrets';

// Hashes at the real cost take about a second each, far longer on a loaded machine.
describe('secrets', { timeout: 120_000 }, () => {
  it('should hash passwords at OWASP cost (N=2^17, r=8, p=1) and verify them, above Node\'s default scrypt memory limit', async () => {
    const stored = await hashPassword('correct horse battery staple', PASSWORD_COST);
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
    expect(needsRehash(stored, PASSWORD_COST)).toBe(false);
  });

  it('should still verify a hash made at the old cost (N=16384) and say it needs rehashing', async () => {
    const old = await hashPassword('correct horse battery staple', { N: 16384, r: 8, p: 1 });
    expect(old).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse battery staple', old)).toBe(true);
    expect(needsRehash(old, PASSWORD_COST)).toBe(true);
  });

  it('should refuse a stored value that is not a scrypt hash, or one with an absurd cost', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$4294967296$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA')).toBe(false);
  });

  it('should make keys in the documented shapes and unguessable passwords', () => {
    expect(newPublicKey()).toMatch(/^pk_[A-Za-z0-9_-]{24}$/);
    expect(newIngestKey()).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);
    expect(generatePassword()).toMatch(/^[a-zA-Z2-9]{20}$/);
    expect(generatePassword()).not.toBe(generatePassword());
  });
});
