import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// One config for unit and server suites. Widget tests opt into a DOM with `// @vitest-environment happy-dom`.
// TEST_DB=postgres runs the server suite against DATABASE_URL instead of in-memory PGlite; `*.pg.test.ts` files
// (several instances on one shared database) exist only there, so they run in that suite rather than being skipped.
export default defineConfig({
  plugins: [preact()],
  test: {
    include: ['shared/**/*.test.{ts,tsx}', 'widget/**/*.test.{ts,tsx}', 'server/**/*.test.ts', 'console/**/*.test.{ts,tsx}', 'demo/**/*.test.ts'],
    exclude: process.env.TEST_DB === 'postgres' ? ['**/node_modules/**'] : ['**/node_modules/**', '**/*.pg.test.ts'],
    environment: 'node',
    // Cheap password hashes for the accounts tests create (server/test/setup.ts says why).
    setupFiles: ['server/test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
