/** Staff accounts: admins, support agents and reviewers. */
import { and, count, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { sites, staff, staffSites } from '../db/schema';
import { MIN_PASSWORD_LENGTH } from '../../shared/security';
import { recordAudit, type Actor } from './audit';
import { FieldError } from './errors';
import { hashPassword, verifyPassword } from './secrets';
import { endSessionsOf, normalizeEmail, openSession } from './sessions';

export const staffRoles = ['admin', 'agent', 'reviewer'] as const;
export type StaffRole = (typeof staffRoles)[number];

export const newStaffInput = z.object({
  email: z.email().max(200),
  role: z.enum(staffRoles),
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(200),
  displayName: z.string().trim().min(1).max(80).optional(),
});

/** Creates a staff account; throws a readable error if the email is taken. */
export async function createStaff(db: Db, input: z.input<typeof newStaffInput>): Promise<{ id: string; email: string; role: StaffRole }> {
  const result = newStaffInput.safeParse(input);
  if (!result.success) throw new Error(result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  const parsed = result.data;
  const rows = await db
    .insert(staff)
    .values({ email: parsed.email.toLowerCase(), role: parsed.role, passwordHash: await hashPassword(parsed.password), displayName: parsed.displayName ?? null })
    .onConflictDoNothing({ target: staff.email })
    .returning({ id: staff.id, email: staff.email, role: staff.role });
  if (!rows[0]) throw new Error(`A staff account with email ${parsed.email} already exists.`);
  return rows[0];
}

/** Makes a staff member a member of sites (idempotent); unknown site ids are refused by name. */
export async function addStaffToSites(db: Db, staffId: string, siteIds: readonly string[]): Promise<void> {
  if (siteIds.length === 0) return;
  const known = await db.select({ id: sites.id }).from(sites).where(inArray(sites.id, [...siteIds]));
  const missing = siteIds.filter((id) => !known.some((k) => k.id === id));
  if (missing.length) throw new Error(`No site with id ${missing.map((m) => `'${m}'`).join(', ')}.`);
  await db
    .insert(staffSites)
    .values(siteIds.map((siteId) => ({ staffId, siteId })))
    .onConflictDoNothing();
}

export async function staffCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(staff);
  return row?.n ?? 0;
}

/**
 * Changes a staff member's own password: the current one must be right. Every other session of the account
 * ends at once; the one that made the change is replaced by a new session (its id returned), so a session
 * id stolen before the change is of no use after it.
 */
export async function changePassword(db: Db, who: Actor & { staffId: string }, currentPassword: string, newPassword: string): Promise<{ sessionId: string }> {
  if (newPassword.length < MIN_PASSWORD_LENGTH)
    throw new FieldError('BAD_REQUEST', `The new password must be at least ${MIN_PASSWORD_LENGTH} characters.`, { newPassword: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
  const [row] = await db.select({ hash: staff.passwordHash }).from(staff).where(eq(staff.id, who.staffId));
  if (!row || !(await verifyPassword(currentPassword, row.hash)))
    throw new FieldError('BAD_REQUEST', 'The current password is not right.', { currentPassword: 'is not right' });
  if (currentPassword === newPassword)
    throw new FieldError('BAD_REQUEST', 'The new password must differ from the current one.', { newPassword: 'must differ from the current password' });
  const hash = await hashPassword(newPassword);
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    // Compare-and-set: of two concurrent changes with the same old password, one wins.
    const updated = await t.update(staff).set({ passwordHash: hash }).where(and(eq(staff.id, who.staffId), eq(staff.passwordHash, row.hash))).returning({ id: staff.id });
    if (!updated.length) throw new FieldError('CONFLICT', 'The password was changed meanwhile; sign in again.');
    await endSessionsOf(t, who.staffId);
    const sessionId = await openSession(t, who.staffId);
    await recordAudit(t, who, { action: 'staff.change_password', targetType: 'staff', targetId: who.staffId });
    return { sessionId };
  });
}

/**
 * Disables (or enables again) an account. A disabled account cannot sign in (the same message as a wrong
 * password) and its sessions end at once. Admins cannot disable themselves, so a site is never left without
 * the admin who could undo it by accident.
 */
export async function setStaffDisabled(db: Db, who: Actor, staffId: string, disabled: boolean): Promise<{ id: string; email: string; disabledAt: string | null }> {
  if (disabled && who.staffId === staffId) throw new FieldError('BAD_REQUEST', 'You cannot disable your own account.', { staffId: 'is your own account' });
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t
      .update(staff)
      .set({ disabledAt: disabled ? new Date() : null })
      .where(and(eq(staff.id, staffId), disabled ? isNull(staff.disabledAt) : isNotNull(staff.disabledAt)))
      .returning({ id: staff.id, email: staff.email, disabledAt: staff.disabledAt });
    const current = row ?? (await t.select({ id: staff.id, email: staff.email, disabledAt: staff.disabledAt }).from(staff).where(eq(staff.id, staffId)))[0];
    if (!current) throw new FieldError('NOT_FOUND', `No staff account with id '${staffId}'.`);
    if (disabled) await endSessionsOf(t, staffId);
    // Only a change is recorded; disabling a disabled account again is a no-op.
    if (row) await recordAudit(t, who, { action: disabled ? 'staff.disable' : 'staff.enable', targetType: 'staff', targetId: staffId, details: { email: current.email } });
    return { id: current.id, email: current.email, disabledAt: current.disabledAt?.toISOString() ?? null };
  });
}

/** A staff account's id by email (the command line names accounts by email). */
export async function staffIdByEmail(db: Db, email: string): Promise<string | null> {
  const [row] = await db.select({ id: staff.id }).from(staff).where(eq(staff.email, normalizeEmail(email)));
  return row?.id ?? null;
}
