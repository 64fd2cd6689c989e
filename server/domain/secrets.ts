/** Key, token and password primitives. Everything secret is stored only as a hash. */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** A random url-safe token of `bytes` entropy. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export const newPublicKey = () => `pk_${randomToken(18)}`;
export const newIngestKey = () => `sk_${randomToken(24)}`;

/** Hex sha256, for high-entropy secrets (keys, tokens) and body fingerprints; never for passwords. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** scrypt parameters of a password hash. */
export interface PasswordCost {
  N: number;
  r: number;
  p: number;
}

/** OWASP's current recommendation for scrypt (Password Storage Cheat Sheet): N=2^17, r=8, p=1. */
export const PASSWORD_COST: PasswordCost = { N: 2 ** 17, r: 8, p: 1 };
const KEYLEN = 32;
// Stored hashes with a larger N are refused rather than computed: a planted row must not cost gigabytes.
const MAX_N = 2 ** 20;

let currentCost: PasswordCost = PASSWORD_COST;

/**
 * Lowers the cost of new hashes. Only the test suite calls this (server/test/setup.ts), because hundreds of
 * accounts at ~0.8 s each would make it crawl; the tests of the cost itself pass `PASSWORD_COST` explicitly.
 */
export function setPasswordCostForTests(cost: PasswordCost): void {
  currentCost = cost;
}

/** The cost new hashes get (`PASSWORD_COST` outside tests). */
export function passwordCost(): PasswordCost {
  return currentCost;
}

// scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) is too small for N=2^17 (128 MiB), so allow twice that.
const maxmemFor = (cost: PasswordCost) => 256 * cost.N * cost.r;

/** scrypt password hash as `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string, cost: PasswordCost = currentCost): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEYLEN, { ...cost, maxmem: maxmemFor(cost) });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

function parseHash(stored: string): { cost: PasswordCost; salt: Buffer; hash: Buffer } | null {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || !salt || !hash) return null;
  if (!Number.isInteger(cost.N) || cost.N < 2 || cost.N > MAX_N || !(cost.r >= 1 && cost.r <= 32) || !(cost.p >= 1 && cost.p <= 16)) return null;
  return { cost, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

/** Whether the password matches the stored hash, at whatever cost that hash was made with. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || parsed.hash.length === 0) return false;
  const actual = await scrypt(password, parsed.salt, parsed.hash.length, { ...parsed.cost, maxmem: maxmemFor(parsed.cost) });
  return timingSafeEqual(actual, parsed.hash);
}

/** Whether a stored hash was made at a lower cost than new hashes get (rehashed on the next sign-in). */
export function needsRehash(stored: string, cost: PasswordCost = currentCost): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
}

/** A password people can type: 20 characters from an unambiguous alphabet (~115 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
