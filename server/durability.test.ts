import { afterAll, describe, expect, it } from 'vitest';
import { countRows } from './domain/signals';
import { exited, randomPort, runCli, startServerProcess } from './test/cli-process';
import { agentMessage, conversation, feedbackFor } from './test/fixtures';
import { processDatabase, testDbKind } from './test/test-db';

// An acknowledged signal must survive `kill -9` of the server right after the acknowledgement.
const target = processDatabase('backstop-durability-');
const env = target.env;
afterAll(() => target.remove());

describe(`durability (${testDbKind})`, () => {
  it('should keep every acknowledged feedback item after kill -9 and restart on its own', async () => {
    const site = JSON.parse((await runCli(['site', 'create', '--name', 'Durable', '--origin', 'https://d.example', '--allow-server-senders', '--json'], env)).stdout);
    const port = randomPort();
    const server = await startServerProcess({ ...env, PORT: port });
    let acknowledged = 0;
    try {
      const conv = conversation();
      const answer = agentMessage(conv);
      const post = (items: unknown[]) =>
        fetch(`${server.url}/trpc/signal.push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey },
          body: JSON.stringify({ items }),
        });
      expect((await post([answer])).status).toBe(200);
      // Fire batches back to back and kill the server the moment the 10th acknowledgement arrives.
      for (let i = 0; i < 10; i++) {
        const res = await post(Array.from({ length: 20 }, () => feedbackFor(answer)));
        expect(res.status).toBe(200);
        acknowledged += ((await res.json()) as { result: { data: { results: unknown[] } } }).result.data.results.length;
      }
    } finally {
      server.child.kill('SIGKILL');
      await exited(server.child);
    }
    expect(acknowledged).toBe(200);

    // The restart must recover the embedded database folder by itself (stale lock and postmaster.pid).
    const again = await startServerProcess({ ...env, PORT: randomPort() });
    again.child.kill('SIGTERM');
    await exited(again.child);

    const database = await target.open();
    try {
      expect(await countRows(database.db, 'feedback')).toBe(acknowledged);
    } finally {
      await database.close();
    }
  }, 120_000);
});
