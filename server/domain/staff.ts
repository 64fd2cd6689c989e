/** Staff accounts: admins, support agents and reviewers. */
import { count, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { sites, staff, staffSites } from '../db/schema';
import { hashPassword } from './secrets';

export const staffRoles = ['admin', 'agent', 'reviewer'] as const;
export type StaffRole = (typeof staffRoles)[number];

export const newStaffInput = z.object({
  email: z.email().max(200),
  role: z.enum(staffRoles),
  password: z.string().min(12, 'must be at least 12 characters').max(200),
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
