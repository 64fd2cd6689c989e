/** Starts the real server (in this process) on a fresh database and seeds the conversations feedback will rate. */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { MessageSignal } from '../../shared/schemas';
import { buildApp } from '../../server/app';
import { openDatabase, type Database } from '../../server/db/client';
import { createSite } from '../../server/domain/sites';
import { BENCH_ORIGIN, type PoolConversation } from './ingest-protocol';
import type { QueryFn, RatedMessage } from './ingest-ceiling';
import { repoRoot } from './report';

export interface BenchDatabase {
  label: string;
  kind: 'pglite' | 'postgres';
  database: Database;
  /** Driver-level query on the same database (same schema), for the INSERT ceiling and checks. */
  query: QueryFn;
  /** Connections the ceiling may use: PGlite has exactly one. */
  ceilingConnections: number;
  /** Extra facts for the report (version, durability settings). */
  notes: string;
  dispose(): Promise<void>;
}

export async function openPgliteTarget(): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backstop-bench-'));
  const database = await openDatabase({ kind: 'pglite', dataDir });
  const client = (database.db as unknown as { $client: { query(text: string, params: unknown[]): Promise<unknown> } }).$client;
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  return {
    label: 'PGlite',
    kind: 'pglite',
    database,
    query: (text, params) => client.query(text, params),
    ceilingConnections: 1,
    notes: `PGlite ${version}, on disk in a temp dir, one connection, same process as the server`,
    dispose: async () => {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function openPostgresTarget(url: string, connections: number): Promise<BenchDatabase> {
  const pg = (await import('pg')).default;
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const database = await openDatabase({ kind: 'postgres', url, schema, poolSize: 10 });
  const pool = new pg.Pool({ connectionString: url, max: connections, options: `-c search_path=${schema},public` });
  const [settings] = (
    await pool.query(`select current_setting('server_version') v, current_setting('synchronous_commit') sc, current_setting('fsync') f, current_setting('shared_buffers') sb`)
  ).rows as { v: string; sc: string; f: string; sb: string }[];
  const host = new URL(url).hostname;
  return {
    label: 'PostgreSQL',
    kind: 'postgres',
    database,
    query: (text, params) => pool.query(text, params),
    ceilingConnections: connections,
    notes: `PostgreSQL ${settings!.v} on ${host} (synchronous_commit=${settings!.sc}, fsync=${settings!.f}, shared_buffers=${settings!.sb}), server pool of 10 connections, in a throw-away schema`,
    dispose: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await pool.end();
      await database.close();
    },
  };
}

/**
 * Runs `bench` on PGlite, then on PostgreSQL when DATABASE_URL is set (`BENCH_DB=pglite|postgres` runs one),
 * disposing of each database after its run; returns the figures in that order.
 */
export async function eachBenchDatabase<T>(connections: number, bench: (target: BenchDatabase) => Promise<T>): Promise<T[]> {
  const figures: T[] = [];
  const only = process.env.BENCH_DB;
  const url = process.env.DATABASE_URL;
  const opens: (() => Promise<BenchDatabase>)[] = [];
  if (only !== 'postgres') opens.push(openPgliteTarget);
  if (url && only !== 'pglite') opens.push(() => openPostgresTarget(url, connections));
  else if (!url) console.log('  PostgreSQL skipped: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to include it.');
  for (const open of opens) {
    const target = await open();
    try {
      figures.push(await bench(target));
    } finally {
      await target.dispose();
    }
  }
  return figures;
}

export interface RunningServer {
  app: FastifyInstance;
  baseUrl: string;
  siteId: string;
  publicKey: string;
}

/** Starts the server on the target's database; `signalRoute: 'trpc'` answers signal.push through tRPC's adapter, for comparison. */
export async function startServer(target: BenchDatabase, opts: { signalRoute?: 'direct' | 'trpc'; site?: Pick<RunningServer, 'siteId' | 'publicKey'> } = {}): Promise<RunningServer> {
  // The review projector turns ratings into cases in the background; it is left out so these figures measure
  // ingestion alone, as before it existed (bench/review.ts and the projector tests measure it).
  const app = await buildApp({ database: target.database, logger: false, signalRoute: opts.signalRoute ?? 'direct', review: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const site = opts.site ?? (await createSite(target.database.db, { name: 'Bench shop', origins: [BENCH_ORIGIN] }));
  return { app, baseUrl: `http://127.0.0.1:${address.port}`, siteId: site.siteId, publicKey: site.publicKey };
}

function messagesOf(conv: PoolConversation): MessageSignal[] {
  const base = { conversationId: conv.conversationId, conversationToken: conv.conversationToken, createdAt: new Date().toISOString() };
  return conv.agentMessageIds.flatMap((id, i): MessageSignal[] => [
    { kind: 'message', clientEventId: randomUUID(), ...base, role: 'user', text: `Question ${i}: when is my next bill?` },
    {
      kind: 'message',
      clientEventId: id,
      ...base,
      role: 'agent',
      text: 'Your next bill is on **March 1**.',
      answer: { id: `a${i}`, confidence: 0.42, traceId: randomBytes(16).toString('hex'), topic: 'billing' },
    },
  ]);
}

/** Seeds conversations with user/agent messages through signal.push, as widgets would. */
export async function seedPool(server: RunningServer, conversations: number, agentMessagesEach: number): Promise<PoolConversation[]> {
  const pool: PoolConversation[] = Array.from({ length: conversations }, () => ({
    conversationId: randomUUID(),
    conversationToken: randomBytes(24).toString('base64url'),
    agentMessageIds: Array.from({ length: agentMessagesEach }, () => randomUUID()),
  }));
  const perRequest = 10;
  const chunks: PoolConversation[][] = [];
  for (let i = 0; i < pool.length; i += perRequest) chunks.push(pool.slice(i, i + perRequest));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const res = await fetch(`${server.baseUrl}/trpc/signal.push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-backstop-key': server.publicKey, origin: BENCH_ORIGIN },
        body: JSON.stringify({ items: chunk.flatMap(messagesOf) }),
      });
      if (!res.ok) throw new Error(`seeding failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return pool;
}

/** The server's own ids of the seeded agent messages, which the ceiling's rows reference. */
export async function ratedMessages(target: BenchDatabase): Promise<RatedMessage[]> {
  const result = (await target.query(
    `select id, conversation_id as "conversationId", trace_id as "traceId", confidence, topic from messages where role = 'agent'`,
    [],
  )) as { rows: RatedMessage[] };
  return result.rows;
}

export async function feedbackCount(target: BenchDatabase): Promise<number> {
  const result = (await target.query('select count(*)::int as n from feedback', [])) as { rows: { n: number }[] };
  return result.rows[0]!.n;
}
