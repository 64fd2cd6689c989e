/**
 * The database the server suite runs on: in-memory PGlite by default, PostgreSQL (DATABASE_URL) in a
 * fresh schema when TEST_DB=postgres. The same tests run on both.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { openDatabase, type Database, type DatabaseOptions } from '../db/client';
import { migrationsDir, projectRoot } from '../paths';

export const testDbKind: 'pglite' | 'postgres' = process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite';

/** Connection options for a fresh, isolated database (a new schema on PostgreSQL). */
export function freshDatabaseOptions(): DatabaseOptions {
  if (testDbKind === 'pglite') return { kind: 'pglite', dataDir: null };
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('TEST_DB=postgres needs DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test');
  return { kind: 'postgres', url, schema: `bs_test_${randomBytes(6).toString('hex')}`, poolSize: 4 };
}

/** A fresh schema on PostgreSQL, for the suites that need one shared database (`*.pg.test.ts`, PostgreSQL run only). */
export function freshPostgresOptions(): Extract<DatabaseOptions, { kind: 'postgres' }> {
  const options = freshDatabaseOptions();
  if (options.kind !== 'postgres') throw new Error('*.pg.test.ts files run in the PostgreSQL suite only (TEST_DB=postgres, DATABASE_URL).');
  return options;
}

/** The migrations and the PGlite version, hashed: a template made from other ones is never used. */
function templateKey(): string {
  const hash = createHash('sha256');
  hash.update(JSON.parse(readFileSync(join(projectRoot, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version);
  for (const name of (readdirSync(migrationsDir, { recursive: true }) as string[]).sort()) {
    const path = join(migrationsDir, name);
    if (statSync(path).isFile()) hash.update(name).update(readFileSync(path));
  }
  return hash.digest('hex').slice(0, 16);
}

let template: Promise<Blob> | undefined;

/**
 * A migrated, empty PGlite cluster as PGlite's dump, made once for these migrations and kept in the temp
 * folder: a new in-memory PGlite runs initdb (about 6 s of CPU), and nearly every server test file opens one.
 * Loading the dump takes a third of that; the migrations still run on open (finding nothing to do).
 */
function pgliteTemplate(): Promise<Blob> {
  return (template ??= (async () => {
    const path = join(tmpdir(), `backstop-test-pglite-${templateKey()}.tar`);
    if (!existsSync(path)) {
      const client = new PGlite();
      try {
        await migrate(drizzle({ client }), { migrationsFolder: migrationsDir });
        const dump = await client.dumpDataDir('none');
        // Written aside and renamed: another worker reading it sees all of it or none.
        const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
        writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
        renameSync(partial, path);
      } finally {
        await client.close();
      }
    }
    return new Blob([readFileSync(path)]);
  })());
}

/** `options` to open; an in-memory PGlite starts from the migrated template. */
export async function fromTemplate(options: DatabaseOptions): Promise<DatabaseOptions> {
  return options.kind === 'pglite' && options.dataDir === null ? { ...options, loadDataDir: await pgliteTemplate() } : options;
}

/** Opens a fresh database; `close` also drops the PostgreSQL schema. */
export async function openTestDatabase(): Promise<Database> {
  const options = freshDatabaseOptions();
  const database = await openDatabase(await fromTemplate(options));
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

/**
 * A database for child processes (the CLI, a spawned server), as an operator would point them at it: a
 * data folder for PGlite, or a fresh schema on PostgreSQL. `open` opens it in this process (only while
 * no child holds a PGlite folder); `remove` deletes the folder and drops the schema.
 */
export function processDatabase(prefix: string) {
  const options = freshDatabaseOptions();
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const env: NodeJS.ProcessEnv =
    options.kind === 'postgres'
      ? { DATABASE_URL: options.url, DATABASE_SCHEMA: options.schema, DATA_DIR: dataDir }
      : { DATABASE_URL: '', DATA_DIR: dataDir };
  const open = () => openDatabase(options.kind === 'postgres' ? options : { kind: 'pglite', dataDir });
  return {
    env,
    open,
    async remove() {
      if (options.kind === 'postgres') {
        const d = await openDatabase(options);
        await d.exec(`DROP SCHEMA IF EXISTS "${options.schema}" CASCADE`);
        await d.close();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
