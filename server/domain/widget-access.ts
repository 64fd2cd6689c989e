/**
 * Who may use the widget API: the site named by its public key, from an origin on its allowlist. One
 * function, so that every path into the widget API (tRPC procedures and any direct route) applies the
 * same rules.
 */
import type { Site, SiteCache } from './sites';
import { originAllowed } from './origins';

export interface WidgetRequest {
  /** The public site key (`x-backstop-key`). */
  siteKey: string | null;
  /** The request's Origin header; null when absent. */
  origin: string | null;
}

export type WidgetAccess =
  | { ok: true; site: Site }
  | { ok: false; code: 'UNAUTHORIZED' | 'FORBIDDEN'; message: string };

/** Looks the site up and checks the origin; the refusal says what to fix. */
export async function checkWidgetAccess(sites: Pick<SiteCache, 'byPublicKey'>, req: WidgetRequest): Promise<WidgetAccess> {
  if (!req.siteKey) return { ok: false, code: 'UNAUTHORIZED', message: 'Missing site key: send the public key (pk_…) in the x-backstop-key header.' };
  const site = await sites.byPublicKey(req.siteKey);
  if (!site) return { ok: false, code: 'UNAUTHORIZED', message: `Unknown site key '${req.siteKey.slice(0, 80)}'.` };
  if (!originAllowed(site.allowedOrigins, req.origin)) return { ok: false, code: 'FORBIDDEN', message: `Origin ${req.origin} is not allowed for this site.` };
  return { ok: true, site };
}
