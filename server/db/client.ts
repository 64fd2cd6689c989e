/** Opens the database: PGlite (embedded, default) or PostgreSQL (DATABASE_URL), migrated to the latest schema. */
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { migrationsDir } from '../paths';
import { listenPglite, listenPostgres, type Listener, type NotificationHandlers, type PgListenOptions } from '../realtime/notifications';
import { lockDataDir } from './data-dir-lock';
import * as schema from './schema';

/** The drizzle database, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Runs raw SQL (for LISTEN/NOTIFY, health checks and benchmarks). */
  exec(sql: string): Promise<void>;
  /** Listens for event-log notifications of this database's schema (a dedicated connection on PostgreSQL). */
  listen(handlers: NotificationHandlers, opts?: Pick<PgListenOptions, 'minDelayMs' | 'maxDelayMs' | 'onError'>): Promise<Listener>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { kind: 'pglite'; dataDir: string | null /* null: in memory */ }
  | { kind: 'postgres'; url: string; schema?: string; poolSize?: number };

/** Opens and migrates. For an on-disk PGlite, takes the data folder's lock first (see data-dir-lock.ts). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === 'pglite' ? openPglite(options.dataDir) : openPostgres(options);
}

async function openPglite(dataDir: string | null): Promise<Database> {
  let release = () => {};
  let client: PGlite;
  if (dataDir === null) {
    client = new PGlite();
  } else {
    const dir = resolve(dataDir);
    const pgliteDir = join(dir, 'pglite');
    release = lockDataDir(dir, pgliteDir);
    client = new PGlite(pgliteDir);
  }
  try {
    await client.waitReady;
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    await migratePglite(db as never, { migrationsFolder: migrationsDir });
    return {
      db,
      kind: 'pglite',
      exec: async (sql) => void (await client.exec(sql)),
      listen: (handlers) => listenPglite(client, handlers),
      close: async () => {
        try {
          await client.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

async function openPostgres(options: { url: string; schema?: string; poolSize?: number }): Promise<Database> {
  // A private schema (tests, several stacks in one database) goes first on the search path.
  const searchPath = options.schema ? { options: `-c search_path=${options.schema},public` } : {};
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, ...searchPath });
  try {
    if (options.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema.replace(/"/g, '')}"`);
    const db = drizzlePg({ client: pool, schema }) as unknown as Db;
    await migratePg(db as never, {
      migrationsFolder: migrationsDir,
      ...(options.schema ? { migrationsSchema: options.schema } : {}),
    });
    return {
      db,
      kind: 'postgres',
      exec: async (sql) => void (await pool.query(sql)),
      listen: (handlers, opts) => listenPostgres({ connectionString: options.url, ...searchPath, ...opts }, handlers),
      close: () => pool.end(),
    };
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`Cannot open PostgreSQL at ${redactUrl(options.url)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Hides the password of a connection URL in messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
