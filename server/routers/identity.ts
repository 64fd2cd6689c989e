/**
 * End-user identity: the widget's `identify` (verified with the site's identity secrets and bound to the
 * conversation), and the site's identity settings for its admins (mode, secrets: rotate, list, revoke).
 */
import { identifyInput, identitySecretListInput, revokeIdentitySecretInput, rotateIdentitySecretInput, setIdentityModeInput, type IdentitySettings } from '../../shared/identity';
import { staffActor } from '../domain/audit';
import { identityModeOf, listIdentitySecrets, revokeIdentitySecret, rotateIdentitySecret, setIdentityMode } from '../domain/identity-secrets';
import { identify } from '../domain/identity-users';
import type { SessionStaff } from '../domain/sessions';
import { assertAdmin, assertSiteAccess } from '../domain/staff-access';
import { router, staffProcedure, widgetProcedure } from '../trpc';

// Membership first, so a site of another tenant is not found rather than forbidden.
function assertSiteAdmin(staff: SessionStaff, siteId: string): void {
  assertSiteAccess(staff, siteId, 'read');
  assertAdmin(staff);
}

export const identityRouter = router({
  /**
   * The host page's `Backstop('identify', …)` for this conversation (its token proves the caller holds it).
   * Verified: bound for good. Unverified: kept as a claim in `optional` mode, ignored in `required` mode.
   */
  verify: widgetProcedure.input(identifyInput).mutation(async ({ ctx, input }) => {
    // Read fresh: the site cache may be seconds behind a change of mode.
    const mode = (await identityModeOf(ctx.db, ctx.site.id)) ?? ctx.site.identityMode;
    return identify(ctx.db, { id: ctx.site.id, identityMode: mode }, input);
  }),

  /** The site's identity mode and its secrets (ids, creation, expiry; never the secrets). */
  settings: staffProcedure.input(identitySecretListInput).query(async ({ ctx, input }): Promise<IdentitySettings> => {
    assertSiteAdmin(ctx.staff, input.siteId);
    const [mode, secrets] = await Promise.all([identityModeOf(ctx.db, input.siteId), listIdentitySecrets(ctx.db, input.siteId)]);
    return { mode: mode ?? 'optional', secrets };
  }),

  /** A new current secret (shown only in this answer); the previous ones stay valid for `graceHours`. */
  rotateSecret: staffProcedure.input(rotateIdentitySecretInput).mutation(({ ctx, input }) => {
    assertSiteAdmin(ctx.staff, input.siteId);
    return rotateIdentitySecret(ctx.db, staffActor(ctx.staff, ctx), input.siteId, input.graceHours);
  }),

  /** Ends a secret at once: tokens signed with it stop verifying on every instance from the next request. */
  revokeSecret: staffProcedure.input(revokeIdentitySecretInput).mutation(({ ctx, input }) => {
    assertSiteAdmin(ctx.staff, input.siteId);
    return revokeIdentitySecret(ctx.db, staffActor(ctx.staff, ctx), input.siteId, input.secretId);
  }),

  /** `optional` keeps unverified identities as claims marked unverified; `required` ignores them. */
  setMode: staffProcedure.input(setIdentityModeInput).mutation(({ ctx, input }) => {
    assertSiteAdmin(ctx.staff, input.siteId);
    return setIdentityMode(ctx.db, staffActor(ctx.staff, ctx), input.siteId, input.mode);
  }),
});
