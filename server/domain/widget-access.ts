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

/**
 * Looks the site up and checks who is asking; the refusal says what to fix.
 * - A site with an empty allowlist is served only where `sites.allowOpenSites` says so (local demos).
 * - Browsers send Origin on every widget call (the widget sends even its queries as POST), so a request
 *   without one comes from a server or a script, and is served only by sites that allow server senders.
 * - Otherwise the Origin must be on the site's allowlist.
 */
export async function checkWidgetAccess(sites: Pick<SiteCache, 'byPublicKey' | 'allowOpenSites'>, req: WidgetRequest): Promise<WidgetAccess> {
  if (!req.siteKey) return { ok: false, code: 'UNAUTHORIZED', message: 'Missing site key: send the public key (pk_…) in the x-backstop-key header.' };
  const site = await sites.byPublicKey(req.siteKey);
  if (!site) return { ok: false, code: 'UNAUTHORIZED', message: `Unknown site key '${req.siteKey.slice(0, 80)}'.` };
  if (site.allowedOrigins.length === 0 && !sites.allowOpenSites)
    return {
      ok: false,
      code: 'FORBIDDEN',
      message: `Site '${site.name}' has an empty origin allowlist, which this server serves to local demos only. Add your website's origin: npx backstop site add-origin --site ${site.publicKey} --origin https://your-website.example`,
    };
  if (!req.origin) {
    if (site.allowServerSenders) return { ok: true, site };
    return {
      ok: false,
      code: 'FORBIDDEN',
      message: `Requests without an Origin header are refused: site '${site.name}' accepts browsers on its allowed origins only. To send from a server, create a site with --allow-server-senders (npx backstop site create … --allow-server-senders), or send the Origin of an allowed website.`,
    };
  }
  if (!originAllowed(site.allowedOrigins, req.origin)) return { ok: false, code: 'FORBIDDEN', message: `Origin ${req.origin} is not allowed for this site.` };
  return { ok: true, site };
}
