/** Environment variables, parsed once at boot with a clear message on bad values. */
import { z } from 'zod';
import type { DatabaseOptions } from './db/client';

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

/** Which database the environment selects. */
export function databaseOptions(env: Env): DatabaseOptions {
  return env.DATABASE_URL
    ? { kind: 'postgres', url: env.DATABASE_URL, ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}) }
    : { kind: 'pglite', dataDir: env.DATA_DIR };
}
