/**
 * One server instance as a child process of the handoff bench, so that its memory is its own. Reads
 * DATABASE_URL and BENCH_SCHEMA, listens on a free loopback port, and answers IPC: `{ url }` once
 * listening; on 'memory', a garbage-collected `process.memoryUsage()`.
 */
import { buildApp } from '../../server/app';
import { openDatabase } from '../../server/db/client';

const database = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL!, schema: process.env.BENCH_SCHEMA!, poolSize: 10 });
const app = await buildApp({ database, webhooks: false });
const url = await app.listen({ port: 0, host: '127.0.0.1' });

process.on('message', async (msg) => {
  if (msg === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 3; i++) gc?.();
    process.send!({ memory: process.memoryUsage(), gc: Boolean(gc) });
  } else if (msg === 'close') {
    await app.close();
    await database.close();
    process.exit(0);
  }
});
process.send!({ url });
