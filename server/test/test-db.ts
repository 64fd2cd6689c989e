/**
 * The database the server suite runs on: in-memory PGlite by default, PostgreSQL (DATABASE_URL) in a
 * fresh schema when TEST_DB=postgres. The same tests run on both.
 */
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database, type DatabaseOptions } from '../db/client';

export const testDbKind: 'pglite' | 'postgres' = process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite';

/** Connection options for a fresh, isolated database (a new schema on PostgreSQL). */
export function freshDatabaseOptions(): DatabaseOptions {
  if (testDbKind === 'pglite') return { kind: 'pglite', dataDir: null };
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('TEST_DB=postgres needs DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test');
  return { kind: 'postgres', url, schema: `bs_test_${randomBytes(6).toString('hex')}`, poolSize: 4 };
}

/** Opens a fresh database; `close` also drops the PostgreSQL schema. */
export async function openTestDatabase(): Promise<Database> {
  const options = freshDatabaseOptions();
  const database = await openDatabase(options);
  if (options.kind !== 'postgres' || !options.schema) return database;
  const schema = options.schema;
  return {
    ...database,
    close: async () => {
      await database.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await database.close();
    },
  };
}
