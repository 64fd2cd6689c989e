import { TRPCError } from '@trpc/server';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { loginInput, type StaffMe } from '../../shared/handoff';
import { staff, staffSites } from '../db/schema';
import { defaultDisplayName, signIn, signOut, siteNames, WRONG_CREDENTIALS, type SessionStaff } from '../domain/sessions';
import { assertSiteAccess } from '../domain/staff-access';
import type { Db } from '../db/client';
import { csrfProcedure, router, staffProcedure } from '../trpc';

async function me(db: Db, who: SessionStaff): Promise<StaffMe> {
  return { id: who.id, email: who.email, displayName: who.displayName, role: who.role, sites: await siteNames(db, who.siteIds) };
}

export const staffRouter = router({
  /** Signs in with email and password; sets a new HttpOnly session cookie. One message for any wrong credential. */
  login: csrfProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    const result = await signIn(ctx.db, input.email, input.password);
    if (!result) throw new TRPCError({ code: 'UNAUTHORIZED', message: WRONG_CREDENTIALS });
    // The session the browser had before is ended, not carried over.
    if (ctx.sessionId) await signOut(ctx.db, ctx.sessionId);
    ctx.setSessionCookie(result.sessionId);
    return me(ctx.db, result.staff);
  }),

  /** Ends the session (if any) and clears the cookie. */
  logout: csrfProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionId) await signOut(ctx.db, ctx.sessionId);
    ctx.setSessionCookie(null);
    return { ok: true as const };
  }),

  /** The signed-in staff member with their sites. */
  me: staffProcedure.query(({ ctx }) => me(ctx.db, ctx.staff)),

  /** Agents and admins of a site (transfer targets). */
  list: staffProcedure.input(z.object({ siteId: z.uuid() })).query(async ({ ctx, input }) => {
    assertSiteAccess(ctx.staff, input.siteId, 'read');
    const rows = await ctx.db
      .select({ id: staff.id, email: staff.email, role: staff.role, displayName: staff.displayName })
      .from(staff)
      .innerJoin(staffSites, and(eq(staffSites.staffId, staff.id), eq(staffSites.siteId, input.siteId)))
      .where(inArray(staff.role, ['agent', 'admin']))
      .orderBy(staff.email);
    return rows.map((r) => ({ ...r, displayName: r.displayName ?? defaultDisplayName(r.email) }));
  }),
});
