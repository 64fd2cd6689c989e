/**
 * Where the e2e stack lives. Ports are fixed by default so the origins in the pages and the site's
 * allowlist are predictable; `E2E_PORT` moves the whole stack (host pages use the next two ports).
 */

export const API_PORT = Number(process.env.E2E_PORT ?? 4100);
/** The host origin the e2e site allows. */
export const HOST_PORT = API_PORT + 1;
/** A host origin no site allows. */
export const REFUSED_PORT = API_PORT + 2;

/** The Backstop server: widget.js, /trpc, /demo. */
export const API_URL = `http://localhost:${API_PORT}`;
/** A customer's website, on another origin than the API. */
export const HOST_URL = `http://127.0.0.1:${HOST_PORT}`;
/** A website that is not on any site's allowlist. */
export const REFUSED_URL = `http://127.0.0.1:${REFUSED_PORT}`;

/** A console account and the password it was created with. */
export interface StaffAccount {
  email: string;
  password: string;
  displayName: string;
}

/** Filled in by the global setup for the test workers. */
export interface StackInfo {
  siteId: string;
  siteKey: string;
  /** A site of its own for the flood test, so its 429s never reach the other tests. */
  floodSiteId: string;
  floodSiteKey: string;
  /** A site with no staff at all, so nobody is ever online for it (the console tests keep the e2e site's Inbox open). */
  quietSiteKey: string;
  /** Staff of the e2e site, created with the CLI: three agents and a reviewer. */
  staff: Record<'agent' | 'colleague' | 'reviewer' | 'maya', StaffAccount>;
  /** An agent of the e2e site (display name "Maya"). */
  agent: { email: string; password: string };
  /** A reviewer of the demo site (the failure-loop test reviews the demo agent's answers); PostgreSQL runs only. */
  demoReviewer?: StaffAccount;
  /** An agent of the demo site, who reviews its drafts; PostgreSQL runs only. */
  demoAgent?: StaffAccount;
  /** An admin of the demo site, who sets its topics' autonomy; PostgreSQL runs only. */
  demoAdmin?: StaffAccount;
  /** PostgreSQL schema of this run; absent when the server runs on PGlite. */
  schema?: string;
}

export const STACK_ENV = 'BACKSTOP_E2E_STACK';

export function stackInfo(): StackInfo {
  const raw = process.env[STACK_ENV];
  if (!raw) throw new Error(`${STACK_ENV} is not set: run the suite with \`npx playwright test\` so e2e/global-setup.ts runs first.`);
  return JSON.parse(raw) as StackInfo;
}
