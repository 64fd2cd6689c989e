/** `backstop start`: open the database, seed the first run, serve, and shut down cleanly. */
import { demoPlugin } from '../demo/plugin';
import { openDatabase, redactUrl } from './db/client';
import { buildApp } from './app';
import { databaseOptions, publicUrl, type Env } from './env';
import { normalizeOrigin } from './domain/origins';
import { seedFirstRun } from './seed';
import { demoPagesDir } from './paths';
import { sites } from './db/schema';
import { sql } from 'drizzle-orm';

export async function startServer(env: Env) {
  const database = await openDatabase(databaseOptions(env));
  const url = publicUrl(env);
  const ownOrigins = [...new Set([normalizeOrigin(url)!, `http://localhost:${env.PORT}`, `http://127.0.0.1:${env.PORT}`])];
  const seed = await seedFirstRun(database.db, ownOrigins);

  const app = await buildApp({
    database,
    logger: env.LOG_LEVEL === 'silent' ? false : { level: env.LOG_LEVEL },
    // The demo product is mounted by the composition root only; server code never imports demo/ otherwise.
    secureCookies: url.startsWith('https:'),
    plugins: [{ plugin: demoPlugin, prefix: '/demo', options: { siteKey: seed.demoPublicKey, widgetSrc: '/widget.js', pagesDir: demoPagesDir } }],
  });

  const open = await database.db.select({ name: sites.name }).from(sites).where(sql`${sites.allowedOrigins} = '[]'::jsonb`);
  for (const s of open) app.log.warn(`Site '${s.name}' has an empty origin allowlist: any website can use its key. Fine for a local demo only.`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal} received, shutting down`);
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: env.PORT, host: env.HOST });
  const where = database.kind === 'postgres' ? `PostgreSQL ${redactUrl(env.DATABASE_URL!)}` : `embedded PGlite in ${env.DATA_DIR}`;
  const lines = [
    '',
    `Backstop is running at ${url} (database: ${where})`,
    `  demo product:  ${url}/demo/`,
    `  console:       ${url}/console/`,
    `  widget script: ${url}/widget.js`,
  ];
  if (seed.admin) lines.push('', `First run: admin account created (the password is shown only this once):`, `  email:    ${seed.admin.email}`, `  password: ${seed.admin.password}`);
  process.stdout.write(lines.join('\n') + '\n\n');
  return { app, database };
}
