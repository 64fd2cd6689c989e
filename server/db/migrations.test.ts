import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsDir } from '../paths';

describe('committed migrations', () => {
  it('should not pin tables to the public schema, so DATABASE_SCHEMA can hold them', () => {
    for (const file of readdirSync(migrationsDir).filter((f) => f.endsWith('.sql'))) {
      expect(readFileSync(join(migrationsDir, file), 'utf8'), file).not.toContain('"public".');
    }
  });
});
