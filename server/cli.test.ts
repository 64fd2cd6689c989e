import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { siteWebhooks } from './db/schema';
import { storeSignals } from './domain/signals';
import { findSite } from './domain/sites';
import { signIn } from './domain/sessions';
import { createIngestKeyCache } from './traces/ingest-keys';
import { agentMessage, conversation, feedbackFor } from './test/fixtures';
import { runCli } from './test/cli-process';
import { processDatabase, testDbKind } from './test/test-db';
import type { FeedbackSignal } from '../shared/schemas';

// The CLI runs against a data folder (PGlite) or a fresh schema (PostgreSQL), like an operator's.
const target = processDatabase('backstop-cli-');
const env = target.env;
afterAll(() => target.remove());

describe(`backstop CLI (${testDbKind})`, { timeout: 90_000 }, () => {
  it('should print usage with --help', async () => {
    const res = await runCli(['--help'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('site create');
    expect(res.stdout).toContain('export feedback');
  });

  it('should print exactly one JSON object for site create --json', async () => {
    const res = await runCli(['site', 'create', '--name', 'Shop', '--origin', 'https://shop.example.com', '--json'], env);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(Object.keys(JSON.parse(lines[0]!)).sort()).toEqual(['ingestKey', 'publicKey', 'siteId']);
  });

  it('should refuse an origin with a path with a clear message', async () => {
    const res = await runCli(['site', 'create', '--name', 'Shop', '--origin', 'not a url'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Not an http(s) origin');
  });

  it('should read a staff password from stdin and refuse a duplicate email', async () => {
    const first = await runCli(['staff', 'create', '--email', 'ada@example.com', '--role', 'agent'], env, 'correct horse battery staple\n');
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain('password');
    const again = await runCli(['staff', 'create', '--email', 'ada@example.com', '--role', 'agent'], env, 'correct horse battery staple\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('should generate and print a password when none is piped', async () => {
    const res = await runCli(['staff', 'create', '--email', 'rev@example.com', '--role', 'reviewer'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/password \(shown once\): \S{20}/);
  });

  it('should make a staff account a member of each --site given', async () => {
    const one = JSON.parse((await runCli(['site', 'create', '--name', 'One', '--origin', 'https://one.example', '--json'], env)).stdout);
    const two = JSON.parse((await runCli(['site', 'create', '--name', 'Two', '--origin', 'https://two.example', '--json'], env)).stdout);
    const res = await runCli(['staff', 'create', '--email', 'member@example.com', '--role', 'agent', '--site', one.siteId, '--site', two.siteId], env, 'correct horse battery staple\n');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('member of 2 site(s)');
    const database = await target.open();
    try {
      const { signIn } = await import('./domain/sessions');
      const session = await signIn(database.db, 'member@example.com', 'correct horse battery staple');
      expect(session!.staff.siteIds.sort()).toEqual([one.siteId, two.siteId].sort());
    } finally {
      await database.close();
    }
  });

  it('should refuse an unknown --site and create no account', async () => {
    const res = await runCli(['staff', 'create', '--email', 'ghost@example.com', '--role', 'agent', '--site', crypto.randomUUID()], env, 'correct horse battery staple\n');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('No site with id');
    const again = await runCli(['staff', 'create', '--email', 'ghost@example.com', '--role', 'agent'], env, 'correct horse battery staple\n');
    expect(again.code).toBe(0);
  });

  it('should refuse an unknown role', async () => {
    const res = await runCli(['staff', 'create', '--email', 'x@example.com', '--role', 'root'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--role must be one of admin, agent, reviewer');
  });

  it('should name a bad environment variable', async () => {
    const res = await runCli(['site', 'create', '--name', 'x', '--origin', 'https://a.example'], { ...env, PORT: 'eighty' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('PORT="eighty"');
  });

  it('should export exactly the stored feedback as jsonl and csv', async () => {
    const created = JSON.parse((await runCli(['site', 'create', '--name', 'Export', '--origin', 'https://e.example', '--json'], env)).stdout);
    const sent: FeedbackSignal[] = [];
    const database = await target.open();
    try {
      const conv = conversation();
      const answer = agentMessage(conv);
      sent.push(
        feedbackFor(answer, { rating: -1, reasons: ['wrong', 'other'], comment: 'Says "March", it is April,\nreally' }),
        feedbackFor(answer, { rating: 1, reasons: [], comment: '=HYPERLINK("x")' }),
      );
      await storeSignals(database.db, { siteId: created.siteId, userAgent: null }, { items: [answer, ...sent] });
    } finally {
      await database.close();
    }
    const jsonl = await runCli(['export', 'feedback', '--site', created.siteId], env);
    expect(jsonl.code).toBe(0);
    const rows = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.rating, r.reasons, r.comment])).toEqual(sent.map((s) => [s.rating, s.reasons, s.comment]));
    expect(Object.keys(rows[0]!)).toEqual(['id', 'siteId', 'conversationId', 'messageId', 'traceId', 'rating', 'reasons', 'comment', 'confidence', 'topic', 'createdAt']);
    expect(jsonl.stderr).toContain('exported 2 feedback items');

    const csv = await runCli(['export', 'feedback', '--site', created.siteId, '--format', 'csv'], env);
    expect(csv.stdout.split('\n')[0]).toBe('id,siteId,conversationId,messageId,traceId,rating,reasons,comment,confidence,topic,createdAt');
    expect(csv.stdout).toContain('"Says ""March"", it is April,\nreally"');
    expect(csv.stdout).toContain(`'=HYPERLINK(""x"")`);
  });

  it('should refuse a bad --since with a clear message', async () => {
    const res = await runCli(['export', 'feedback', '--since', 'yesterday'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--since must be an ISO time');
  });

  it('should create a site that accepts server senders with --allow-server-senders, and add an origin to it', async () => {
    const created = JSON.parse((await runCli(['site', 'create', '--name', 'Backend', '--origin', 'https://b.example', '--allow-server-senders', '--json'], env)).stdout);
    const added = await runCli(['site', 'add-origin', '--site', created.publicKey, '--origin', 'https://c.example/'], env);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('https://b.example, https://c.example');
    const database = await target.open();
    try {
      const site = await findSite(database.db, created.siteId);
      expect(site).toMatchObject({ allowServerSenders: true, allowedOrigins: ['https://b.example', 'https://c.example'] });
    } finally {
      await database.close();
    }
  });

  it('should name --allow-server-senders and add-origin in the help of site', async () => {
    const res = await runCli(['site', '--help'], env);
    expect(res.stdout).toContain('--allow-server-senders');
    expect(res.stdout).toContain('site add-origin');
  });

  it('should set a webhook, print its secret once, keep it when the URL changes, and refuse a non-http(s) URL', async () => {
    const created = JSON.parse((await runCli(['site', 'create', '--name', 'Hooked', '--origin', 'https://h.example', '--json'], env)).stdout);
    const first = await runCli(['site', 'webhook', '--site', created.siteId, '--url', 'https://hooks.example.com/backstop'], env);
    expect(first.code).toBe(0);
    const secret = /signing secret \(shown once, keep it secret\): (whsec_\S+)/.exec(first.stdout)?.[1];
    expect(secret).toBeDefined();
    const moved = await runCli(['site', 'webhook', '--site', created.publicKey, '--url', 'https://hooks.example.com/v2'], env);
    expect(moved.code).toBe(0);
    expect(moved.stdout).not.toContain('whsec_');
    const refused = await runCli(['site', 'webhook', '--site', created.siteId, '--url', 'ftp://hooks.example.com/'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--url must start with https:// or http://');
    const database = await target.open();
    try {
      const [row] = await database.db.select().from(siteWebhooks).where(eq(siteWebhooks.siteId, created.siteId));
      expect(row).toMatchObject({ url: 'https://hooks.example.com/v2', secret });
    } finally {
      await database.close();
    }
  });

  // Six CLI runs: more time than the others.
  it('should create, list and revoke named ingest keys, keep site create\'s key as default, and audit each change as cli', { timeout: 240_000 }, async () => {
    const site = JSON.parse((await runCli(['site', 'create', '--name', 'Keyed', '--origin', 'https://k.example', '--json'], env)).stdout);
    const created = await runCli(['key', 'create', '--site', site.siteId, '--name', 'staging exporter', '--json'], env);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ siteId: site.siteId, name: 'staging exporter', ingestKey: expect.stringMatching(/^sk_/) });
    const listed = await runCli(['key', 'list', '--site', site.publicKey, '--json'], env);
    const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.name)).toEqual(['default', 'staging exporter']);
    expect(listed.stdout).not.toContain(key.ingestKey);
    const revoked = await runCli(['key', 'revoke', '--site', site.siteId, '--key', key.keyId], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain("Ingest key 'staging exporter' revoked");
    const database = await target.open();
    try {
      const keys = createIngestKeyCache(database.db);
      expect(await keys.siteFor(key.ingestKey)).toBeNull();
      expect(await keys.siteFor(site.ingestKey)).toBe(site.siteId);
    } finally {
      await database.close();
    }
    const audit = await runCli(['audit', '--site', site.siteId, '--json'], env);
    const actions = audit.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(actions.map((a) => [a.action, a.actor])).toEqual([
      ['ingest_key.revoke', 'cli'],
      ['ingest_key.create', 'cli'],
      ['site.create', 'cli'],
    ]);
  });

  it('should disable a staff account so it cannot sign in, and enable it again', async () => {
    await runCli(['staff', 'create', '--email', 'leaver@example.com', '--role', 'agent'], env, 'correct horse battery staple\n');
    const disabled = await runCli(['staff', 'disable', '--email', 'Leaver@example.com'], env);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain('leaver@example.com is disabled');
    let database = await target.open();
    try {
      expect(await signIn(database.db, 'leaver@example.com', 'correct horse battery staple')).toBeNull();
    } finally {
      await database.close();
    }
    expect((await runCli(['staff', 'enable', '--email', 'leaver@example.com'], env)).code).toBe(0);
    database = await target.open();
    try {
      expect(await signIn(database.db, 'leaver@example.com', 'correct horse battery staple')).not.toBeNull();
    } finally {
      await database.close();
    }
    const unknown = await runCli(['staff', 'disable', '--email', 'nobody@example.com'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No staff account with email nobody@example.com');
  });
});
