import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/**
 * End-to-end suite: a real Chromium against the built server (started by e2e/global-setup.ts) and a
 * second, cross-origin "host" web server serving the pages in e2e/pages/.
 */

// Playwright cannot download its own browsers here, so the system Chromium is required.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(
    `Chromium not found at ${chromium}. Install it with: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`,
  );
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: true,
  // Two cores: the browser, the server and PostgreSQL share them.
  workers: 2,
  // On CI one retry: timing on a shared 2-core machine (staff presence, reconnect backoff) has failed a test now
  // and then; a test that passes only on its retry is reported as flaky, and one that keeps failing still fails.
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['line']] : [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
    actionTimeout: 10_000,
  },
  projects: [
    { name: 'main', testIgnore: /trust-drafts\.spec\.ts/ },
    // It puts the demo's refunds under human review for a while; the demo's other tests expect refund answers
    // shown at once, so it runs after them.
    { name: 'demo-policy', testMatch: /trust-drafts\.spec\.ts/, dependencies: ['main'] },
  ],
});
