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
  | {
      kind: 'pglite';
      dataDir: string | null /* null: in memory */;
      /** In memory only: start from this dump (PGlite's `dumpDataDir`) instead of a new cluster; migrations still run. */
      loadDataDir?: Blob;
    }
  | { kind: 'postgres'; url: string; schema?: string; poolSize?: number };

/** Opens and migrates. For an on-disk PGlite, takes the data folder's lock first (see data-dir-lock.ts). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === 'pglite' ? openPglite(options.dataDir, options.loadDataDir) : openPostgres(options);
}

async function openPglite(dataDir: string | null, loadDataDir?: Blob): Promise<Database> {
  let release = () => {};
  let client: PGlite;
  if (dataDir === null) {
    client = new PGlite(loadDataDir ? { loadDataDir } : undefined);
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
    // Several instances may start at once on one database: one migrates while the others wait, then find
    // nothing left to do. The lock is per schema, so stacks in other schemas do not wait for each other.
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock(hashtext($1))', [`backstop:migrate:${options.schema ?? ''}`]);
      await migratePg(drizzlePg({ client, schema }) as never, {
        migrationsFolder: migrationsDir,
        ...(options.schema ? { migrationsSchema: options.schema } : {}),
      });
    } finally {
      // Session locks end with the session; unlock anyway, since the connection goes back to the pool.
      await client.query('select pg_advisory_unlock(hashtext($1))', [`backstop:migrate:${options.schema ?? ''}`]).catch(() => {});
      client.release();
    }
    return {
      db,
      kind: 'postgres',
      exec: async (sql) => void (await pool.query(sql)),
      listen: (handlers, opts) => listenPostgres({ connectionString: options.url, ...searchPath, ...opts }, handlers),
      close: () => pool.end(),
    };
  } catch (err) {
    await pool.end().catch(() => {});
    throw new DatabaseOpenError(`DATABASE_URL (${redactUrl(options.url)}): cannot open PostgreSQL: ${rootCause(err, options.url)}`, { cause: err });
  }
}

/** PostgreSQL could not be opened; the message is one line, names DATABASE_URL and holds no password. */
export class DatabaseOpenError extends Error {}

/** The first line of the innermost cause (the driver's own reason, not drizzle's "Failed query"), without the URL's secrets. */
function rootCause(err: unknown, url: string): string {
  let e = err as { message?: string; cause?: unknown };
  while (e?.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  let message = String(e?.message ?? err).split('\n')[0]!.trim() || 'unknown error';
  for (const secret of [url, secretOf(url)]) if (secret) message = message.split(secret).join('***');
  return message;
}

function secretOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** Hides the password of a connection URL in messages (everything before the host, if the URL cannot be parsed). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, '$1***@');
  }
}
