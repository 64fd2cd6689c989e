/**
 * The README's server-side token code, run as a customer would run it: the Node snippet (jose JWT and
 * crypto HMAC) and the Python HMAC snippet (where python3 is installed). Their tokens must verify.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyIdentityToken } from './domain/identity';
import { projectRoot } from './paths';

const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
const SECRET = 'idsec_readme-snippet-secret-0123456789abcdefghij';
const secrets = [{ secret: SECRET, expiresAt: null }];

/** The fenced block of `lang` in the README that contains `marker`. */
function snippet(lang: string, marker: string): string {
  const blocks = [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
  const found = blocks.find((b) => b.includes(marker));
  if (!found) throw new Error(`No ${lang} block with '${marker}' in README.md`);
  return found;
}

const hasPython = spawnSync('python3', ['--version']).status === 0;

describe("the README's identity token code", () => {
  it('should make a JWT and an HMAC with the Node snippet that the server verifies for that user only', async () => {
    const code = `${snippet('js', 'identity-token.mjs')}\nconsole.log(JSON.stringify({ jwt: await identityJwt('u_42'), hmac: identityHmac('u_42') }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: projectRoot, env: { ...process.env, BACKSTOP_IDENTITY_SECRET: SECRET }, encoding: 'utf8' });
    const { jwt, hmac } = JSON.parse(out) as { jwt: string; hmac: string };
    expect(await verifyIdentityToken(secrets, 'u_42', jwt)).toEqual({ verified: true, via: 'jwt' });
    expect(await verifyIdentityToken(secrets, 'u_42', hmac)).toEqual({ verified: true, via: 'hmac' });
    expect(await verifyIdentityToken(secrets, 'u_43', jwt)).toMatchObject({ verified: false });
  });

  it.runIf(hasPython)('should make an HMAC with the Python snippet that the server verifies', async () => {
    const code = `${snippet('python', 'def identity_hmac')}\nprint(identity_hmac("u_42"))`;
    const out = execFileSync('python3', ['-c', code], { env: { ...process.env, BACKSTOP_IDENTITY_SECRET: SECRET }, encoding: 'utf8' }).trim();
    expect(await verifyIdentityToken(secrets, 'u_42', out)).toEqual({ verified: true, via: 'hmac' });
  });
});
