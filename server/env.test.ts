import { describe, expect, it } from 'vitest';
import { allowOpenSites, databaseOptions, EnvError, parseEnv, rateLimitOptions, trustProxy } from './env';

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

describe('environment rules for limits and open sites', () => {
  it('should turn rate limits on by default with the documented maxima', () => {
    expect(rateLimitOptions(parseEnv({}))).toEqual({ perIp: 1200, perSiteClient: 600, perConversation: 60, perIngestKey: 1200, windowMs: 60_000 });
  });

  it('should turn rate limits off with RATE_LIMIT=off and pass the Redis URL on', () => {
    expect(rateLimitOptions(parseEnv({ RATE_LIMIT: 'off' }))).toBeUndefined();
    expect(rateLimitOptions(parseEnv({ RATE_LIMIT_REDIS_URL: 'redis://cache:6379' }))?.redisUrl).toBe('redis://cache:6379');
  });

  it('should name a bad rate limit value', () => {
    expect(() => parseEnv({ RATE_LIMIT_PER_IP: '0' })).toThrow('RATE_LIMIT_PER_IP="0"');
    expect(() => parseEnv({ RATE_LIMIT: 'maybe' })).toThrow('RATE_LIMIT="maybe"');
  });

  it('should serve open sites only on a local, non-production server unless ALLOW_OPEN_SITES says so', () => {
    expect(allowOpenSites(parseEnv({}))).toBe(true);
    expect(allowOpenSites(parseEnv({ NODE_ENV: 'production' }))).toBe(false);
    expect(allowOpenSites(parseEnv({ PUBLIC_URL: 'https://support.example.com' }))).toBe(false);
    expect(allowOpenSites(parseEnv({ NODE_ENV: 'production', ALLOW_OPEN_SITES: '1' }))).toBe(true);
  });

  it('should read TRUST_PROXY as off, on, or a list of proxy addresses', () => {
    expect(trustProxy(parseEnv({}))).toBe(false);
    expect(trustProxy(parseEnv({ TRUST_PROXY: 'on' }))).toBe(true);
    expect(trustProxy(parseEnv({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }))).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });
});
