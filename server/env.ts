/** Environment variables, parsed once at boot with a clear message on bad values. */
import { z } from 'zod';
import type { DatabaseOptions } from './db/client';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from './rate-limit';

const emptyAsUnset = z.literal('').transform(() => undefined);
const perWindow = (fallback: number) => z.coerce.number().int().min(1, 'must be a whole number ≥ 1').default(fallback);
const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'], { message: 'must be on or off' })
    .default(fallback)
    .transform((v) => v === 'on' || v === 'true' || v === '1');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  HOST: z.string().min(1).default('localhost'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, 'must be a postgres:// URL like postgres://user:password@host:5432/database (special characters in the password %-encoded)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Optional PostgreSQL schema to keep Backstop's tables in (default: the search_path, usually public). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional().or(z.literal('').transform(() => undefined)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().optional(),
  /** Request rate limits: on by default. */
  RATE_LIMIT: onOff('on'),
  /** Share rate-limit counters between instances through this Redis. */
  RATE_LIMIT_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional()
    .or(emptyAsUnset),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1, 'must be a whole number ≥ 1').max(3600).default(60),
  RATE_LIMIT_PER_IP: perWindow(DEFAULT_RATE_LIMITS.perIp),
  RATE_LIMIT_PER_SITE_CLIENT: perWindow(DEFAULT_RATE_LIMITS.perSiteClient),
  RATE_LIMIT_PER_CONVERSATION: perWindow(DEFAULT_RATE_LIMITS.perConversation),
  RATE_LIMIT_PER_INGEST_KEY: perWindow(DEFAULT_RATE_LIMITS.perIngestKey),
  /** `on` to trust every proxy's X-Forwarded-For, or a comma-separated list of proxy addresses/CIDRs. */
  TRUST_PROXY: z.string().default('off'),
  /** Largest `POST /v1/traces` body, compressed or inflated, in KiB. */
  TRACES_BODY_LIMIT_KIB: z.coerce.number().int().min(64, 'must be at least 64').max(65536, 'must be at most 65536 (64 MiB)').default(4096),
  /** Serve sites with an empty origin allowlist even in production or on a public URL. */
  ALLOW_OPEN_SITES: onOff('off'),
});

export type Env = z.infer<typeof envSchema>;

/** Variables whose values are never printed: they may carry a password. */
const SECRET_VARIABLES = new Set(['DATABASE_URL']);

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A bad setting, said in one line that names the variable (and never prints a secret's value). */
export class EnvError extends Error {}

/** `NAME="value"`, or just `NAME` for a variable whose value may hold a password. */
export const describeVariable = (name: string, value: string | undefined): string =>
  SECRET_VARIABLES.has(name) ? name : `${name}=${JSON.stringify(value)}`;

/** Parses the environment; throws EnvError naming every bad variable, in one line. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const parts = result.error.issues.map((i) => `${describeVariable(String(i.path[0]), source[String(i.path[0])])}: ${i.message}`);
  throw new EnvError(`Invalid environment: ${parts.join('; ')}`);
}

/** The URL people and links use to reach this server. */
export function publicUrl(env: Env): string {
  return (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
}

/** Request rate limits from the environment; undefined when `RATE_LIMIT=off`. */
export function rateLimitOptions(env: Env): RateLimitOptions | undefined {
  if (!env.RATE_LIMIT) return undefined;
  return {
    perIp: env.RATE_LIMIT_PER_IP,
    perSiteClient: env.RATE_LIMIT_PER_SITE_CLIENT,
    perConversation: env.RATE_LIMIT_PER_CONVERSATION,
    perIngestKey: env.RATE_LIMIT_PER_INGEST_KEY,
    windowMs: env.RATE_LIMIT_WINDOW_SECONDS * 1000,
    ...(env.RATE_LIMIT_REDIS_URL ? { redisUrl: env.RATE_LIMIT_REDIS_URL } : {}),
  };
}

/** fastify's `trustProxy` from `TRUST_PROXY`: off (default), on, or a list of proxy addresses. */
export function trustProxy(env: Env): boolean | string[] {
  const v = env.TRUST_PROXY.trim().toLowerCase();
  if (['', 'off', 'false', '0', 'no'].includes(v)) return false;
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  return env.TRUST_PROXY.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Whether sites with an empty origin allowlist are served: only on a local server (not production, and a
 * localhost PUBLIC_URL), unless ALLOW_OPEN_SITES says so.
 */
export function allowOpenSites(env: Env): boolean {
  if (env.ALLOW_OPEN_SITES) return true;
  if (env.NODE_ENV === 'production') return false;
  const host = new URL(publicUrl(env)).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.endsWith('.localhost');
}

/** Which database the environment selects. */
export function databaseOptions(env: Env): DatabaseOptions {
  return env.DATABASE_URL
    ? { kind: 'postgres', url: env.DATABASE_URL, ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}) }
    : { kind: 'pglite', dataDir: env.DATA_DIR };
}
