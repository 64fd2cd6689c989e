/** `backstop start`: open the database, seed the first run, serve, and shut down cleanly. */
import { demoPlugin } from '../demo/plugin';
import { openDatabase, redactUrl } from './db/client';
import { buildApp } from './app';
import { allowOpenSites, databaseOptions, describeVariable, EnvError, publicUrl, rateLimitOptions, trustProxy, type Env } from './env';
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

  const openSites = allowOpenSites(env);
  const rateLimit = rateLimitOptions(env);
  const app = await buildApp({
    database,
    logger: env.LOG_LEVEL === 'silent' ? false : { level: env.LOG_LEVEL },
    trustProxy: trustProxy(env),
    allowOpenSites: openSites,
    ...(rateLimit ? { rateLimit } : {}),
    tracesBodyLimit: env.TRACES_BODY_LIMIT_KIB * 1024,
    // The demo product is mounted by the composition root only; server code never imports demo/ otherwise.
    secureCookies: url.startsWith('https:'),
    plugins: [{ plugin: demoPlugin, prefix: '/demo', options: { siteKey: seed.demoPublicKey, widgetSrc: '/widget.js', pagesDir: demoPagesDir } }],
  });

  const open = await database.db.select({ name: sites.name, key: sites.publicKey }).from(sites).where(sql`${sites.allowedOrigins} = '[]'::jsonb`);
  for (const s of open) {
    const fix = `add an origin: npx backstop site add-origin --site ${s.key} --origin https://…`;
    app.log.warn(
      openSites
        ? `Site '${s.name}' has an empty origin allowlist: any website can use its key. Fine for a local demo only; ${fix}`
        : `Site '${s.name}' has an empty origin allowlist and is refused (production or a public URL; ALLOW_OPEN_SITES=1 would serve it); ${fix}`,
    );
  }
  if (!rateLimit) app.log.warn('Rate limits are off (RATE_LIMIT=off).');

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

  try {
    await app.listen({ port: env.PORT, host: env.HOST });
  } catch (err) {
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    throw listenError(env, err);
  }
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

/** Why the server cannot listen, naming the variable to change: PORT when the port is taken or privileged, HOST otherwise. */
function listenError(env: Env, err: unknown): EnvError {
  const code = (err as { code?: string }).code ?? 'error';
  if (code === 'EADDRINUSE') return new EnvError(`${describeVariable('PORT', String(env.PORT))}: the port is already in use on ${env.HOST}.`);
  if (code === 'EACCES') return new EnvError(`${describeVariable('PORT', String(env.PORT))}: not allowed to listen on this port (${code}).`);
  return new EnvError(`${describeVariable('HOST', env.HOST)}: cannot listen there (${code}); use a name or address of this machine, e.g. localhost or 0.0.0.0.`);
}
