/** The identity commands of the CLI, run as operators run them: rotate, list, revoke, identity mode, all audited as cli. */
import { afterAll, describe, expect, it } from 'vitest';
import { identityModeOf, usableSecrets } from './domain/identity-secrets';
import { runCli } from './test/cli-process';
import { processDatabase, testDbKind } from './test/test-db';

const target = processDatabase('backstop-cli-identity-');
const env = target.env;
afterAll(() => target.remove());

describe(`backstop site identity-secret and --identity-mode (${testDbKind})`, () => {
  it('should rotate with a grace period, list without secrets, revoke, set the mode, and audit each as cli', { timeout: 240_000 }, async () => {
    const site = JSON.parse((await runCli(['site', 'create', '--name', 'Identified', '--origin', 'https://id.example', '--json'], env)).stdout);
    const first = JSON.parse((await runCli(['site', 'identity-secret', 'rotate', '--site', site.siteId, '--json'], env)).stdout);
    expect(first).toMatchObject({ siteId: site.siteId, secret: expect.stringMatching(/^idsec_/), graceHours: 24 });
    const second = JSON.parse((await runCli(['site', 'identity-secret', 'rotate', '--site', site.publicKey, '--grace-hours', '2', '--json'], env)).stdout);
    const listed = await runCli(['site', 'identity-secret', 'list', '--site', site.siteId, '--json'], env);
    const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.id, r.state])).toEqual([
      [first.secretId, 'grace'],
      [second.secretId, 'current'],
    ]);
    expect(listed.stdout).not.toContain(first.secret);
    const revoked = await runCli(['site', 'identity-secret', 'revoke', '--site', site.siteId, '--secret', first.secretId], env);
    expect(revoked.code).toBe(0);
    const badGrace = await runCli(['site', 'identity-secret', 'rotate', '--site', site.siteId, '--grace-hours', 'soon'], env);
    expect(badGrace.code).not.toBe(0);
    expect(badGrace.stderr).toContain('--grace-hours must be a whole number');
    const mode = await runCli(['site', 'set', '--site', site.siteId, '--identity-mode', 'required'], env);
    expect(mode.code).toBe(0);
    expect((await runCli(['site', 'set', '--site', site.siteId, '--identity-mode', 'maybe'], env)).stderr).toContain('--identity-mode must be optional or required');

    const database = await target.open();
    try {
      expect((await usableSecrets(database.db, site.siteId)).map((s) => s.secret)).toEqual([second.secret]);
      expect(await identityModeOf(database.db, site.siteId)).toBe('required');
    } finally {
      await database.close();
    }
    const audit = (await runCli(['audit', '--site', site.siteId, '--json'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['site.identity_mode', 'cli'],
      ['identity_secret.revoke', 'cli'],
      ['identity_secret.rotate', 'cli'],
      ['identity_secret.create', 'cli'],
      ['site.create', 'cli'],
    ]);
  });
});
