import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, newIngestKey, newPublicKey, verifyPassword } from './secrets';

describe('secrets', () => {
  it('should verify a password against its scrypt hash and refuse another', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
  });

  it('should refuse a stored value that is not a scrypt hash', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });

  it('should make keys in the documented shapes and unguessable passwords', () => {
    expect(newPublicKey()).toMatch(/^pk_[A-Za-z0-9_-]{24}$/);
    expect(newIngestKey()).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);
    expect(generatePassword()).toMatch(/^[a-zA-Z2-9]{20}$/);
    expect(generatePassword()).not.toBe(generatePassword());
  });
});
