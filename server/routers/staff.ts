import { TRPCError } from '@trpc/server';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { loginInput, type StaffMe } from '../../shared/handoff';
import { changePasswordInput, staffIdInput } from '../../shared/security';
import { staff, staffSites } from '../db/schema';
import { recordAudit, staffActor } from '../domain/audit';
import { defaultDisplayName, sessionStaff, signOut, siteNames, WRONG_CREDENTIALS, type SessionStaff } from '../domain/sessions';
import { attemptSignIn, throttledMessage } from '../domain/sign-in';
import { assertAdmin, assertSiteAccess } from '../domain/staff-access';
import { changePassword, setStaffDisabled } from '../domain/staff';
import { FieldError } from '../domain/errors';
import type { Db } from '../db/client';
import { csrfProcedure, router, staffProcedure } from '../trpc';

async function me(db: Db, who: SessionStaff): Promise<StaffMe> {
  return { id: who.id, email: who.email, displayName: who.displayName, role: who.role, sites: await siteNames(db, who.siteIds) };
}

/**
 * An admin may disable or enable an account only when every site of that account is one of the admin's
 * sites: an admin of one tenant cannot lock people out of another. Accounts of no shared site are not found.
 */
async function assertManages(db: Db, admin: SessionStaff, staffId: string): Promise<void> {
  assertAdmin(admin);
  const memberships = await db.select({ siteId: staffSites.siteId }).from(staffSites).where(eq(staffSites.staffId, staffId));
  const shared = memberships.filter((m) => admin.siteIds.includes(m.siteId));
  if (shared.length === 0) throw new FieldError('NOT_FOUND', `No staff account with id '${staffId}'.`);
  if (shared.length < memberships.length) throw new FieldError('FORBIDDEN', 'This account is also a member of sites you are not an admin of; ask an operator (backstop staff disable).');
}

export const staffRouter = router({
  /**
   * Signs in with email and password; sets a new HttpOnly session cookie. One message for any wrong
   * credential (unknown email, wrong password, disabled account); TOO_MANY_REQUESTS with Retry-After while
   * the account or the address is throttled (domain/sign-in.ts).
   */
  login: csrfProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    const result = await attemptSignIn(ctx.db, { email: input.email, password: input.password, ip: ctx.ip, userAgent: ctx.userAgent });
    if (!result.ok && result.reason === 'throttled') {
      ctx.setHeader('retry-after', String(result.retryAfterSeconds));
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: throttledMessage(result.retryAfterSeconds) });
    }
    if (!result.ok) throw new TRPCError({ code: 'UNAUTHORIZED', message: WRONG_CREDENTIALS });
    // The session the browser had before is ended, not carried over.
    if (ctx.sessionId) await signOut(ctx.db, ctx.sessionId);
    ctx.setSessionCookie(result.sessionId);
    return me(ctx.db, result.staff);
  }),

  /** Ends the session (if any) and clears the cookie. */
  logout: csrfProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionId) {
      const who = await sessionStaff(ctx.db, ctx.sessionId);
      await signOut(ctx.db, ctx.sessionId);
      if (who) await recordAudit(ctx.db, staffActor(who, ctx), { action: 'staff.logout', targetType: 'staff', targetId: who.id });
    }
    ctx.setSessionCookie(null);
    return { ok: true as const };
  }),

  /** The signed-in staff member with their sites. */
  me: staffProcedure.query(({ ctx }) => me(ctx.db, ctx.staff)),

  /**
   * Changes one's own password (current and new, at least 12 characters). Every other session of the account
   * ends at once, on every instance; this browser gets a new session cookie and stays signed in.
   */
  changePassword: staffProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    const { sessionId } = await changePassword(ctx.db, { ...staffActor(ctx.staff, ctx), staffId: ctx.staff.id }, input.currentPassword, input.newPassword);
    ctx.setSessionCookie(sessionId);
    return { ok: true as const };
  }),

  /** Disables an account of the admin's sites (never one's own): it cannot sign in, and its sessions end at once. */
  disable: staffProcedure.input(staffIdInput).mutation(async ({ ctx, input }) => {
    await assertManages(ctx.db, ctx.staff, input.staffId);
    return setStaffDisabled(ctx.db, staffActor(ctx.staff, ctx), input.staffId, true);
  }),

  /** Lets a disabled account sign in again. */
  enable: staffProcedure.input(staffIdInput).mutation(async ({ ctx, input }) => {
    await assertManages(ctx.db, ctx.staff, input.staffId);
    return setStaffDisabled(ctx.db, staffActor(ctx.staff, ctx), input.staffId, false);
  }),

  /** Agents and admins of a site (transfer targets); disabled accounts are left out. */
  list: staffProcedure.input(z.object({ siteId: z.uuid() })).query(async ({ ctx, input }) => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    const rows = await ctx.db
      .select({ id: staff.id, email: staff.email, role: staff.role, displayName: staff.displayName, disabledAt: staff.disabledAt })
      .from(staff)
      .innerJoin(staffSites, and(eq(staffSites.staffId, staff.id), eq(staffSites.siteId, input.siteId)))
      .where(inArray(staff.role, ['agent', 'admin']))
      .orderBy(staff.email);
    return rows.filter((r) => !r.disabledAt).map(({ disabledAt: _, ...r }) => ({ ...r, displayName: r.displayName ?? defaultDisplayName(r.email) }));
  }),
});
