import { describe, expect, it } from 'vitest';
import { databaseOptions, EnvError, parseEnv } from './env';

describe('parseEnv', () => {
  it('should apply the documented defaults', () => {
    expect(parseEnv({})).toMatchObject({ PORT: 4000, DATA_DIR: './data', HOST: 'localhost' });
    expect(databaseOptions(parseEnv({}))).toEqual({ kind: 'pglite', dataDir: './data' });
  });

  it('should name every bad variable with its value', () => {
    expect(() => parseEnv({ PORT: '99999', DATABASE_URL: 'mysql://x' })).toThrow(EnvError);
    try {
      parseEnv({ PORT: '99999', DATABASE_URL: 'mysql://x' });
    } catch (err) {
      expect((err as Error).message).toContain('PORT="99999"');
      expect((err as Error).message).toContain('DATABASE_URL: must be a postgres:// URL');
    }
  });

  it('should never print the value of DATABASE_URL, which may hold a password', () => {
    expect(() => parseEnv({ DATABASE_URL: 'postgres://admin:hunter2@db:notaport/app' })).toThrow(/^Invalid environment: DATABASE_URL: must be/);
    expect(() => parseEnv({ DATABASE_URL: 'postgres://admin:hunter2@db:notaport/app' })).not.toThrow(/hunter2/);
  });

  it('should select PostgreSQL when DATABASE_URL is set', () => {
    expect(databaseOptions(parseEnv({ DATABASE_URL: 'postgres://u@h/db', DATABASE_SCHEMA: 'bs' }))).toEqual({ kind: 'postgres', url: 'postgres://u@h/db', schema: 'bs' });
  });
});
