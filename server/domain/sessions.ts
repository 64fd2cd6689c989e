/**
 * Staff sign-in and sessions. The session id is a 256-bit random token kept only in the browser's
 * cookie; the database stores its sha256, so a leaked table does not sign anyone in.
 */
import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { sites, staff, staffSessions, staffSites } from '../db/schema';
import { hashPassword, randomToken, sha256, verifyPassword } from './secrets';
import type { StaffRole } from './staff';

/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 30 * 60_000;
/** …and in any case this long after sign-in. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** Activity is written at most this often, so that every request does not write a row. */
const TOUCH_EVERY_MS = 60_000;

/** The signed-in staff member every staff procedure receives. */
export interface SessionStaff {
  id: string;
  email: string;
  role: StaffRole;
  displayName: string;
  /** The sites this staff member belongs to; everything else is invisible to them. */
  siteIds: string[];
}

/** The same message for an unknown email and a wrong password, so sign-in does not reveal who has an account. */
export const WRONG_CREDENTIALS = 'Wrong email or password.';

// Compared against when the email is unknown, so both failures take one scrypt's time.
let dummyHash: Promise<string> | null = null;

/** Checks the credentials and opens a new session; returns null (never which part was wrong) on failure. */
export async function signIn(db: Db, email: string, password: string): Promise<{ sessionId: string; staff: SessionStaff } | null> {
  const [row] = await db.select().from(staff).where(eq(staff.email, email.trim().toLowerCase())).limit(1);
  if (!row) {
    await verifyPassword(password, await (dummyHash ??= hashPassword(randomToken(16))));
    return null;
  }
  if (!(await verifyPassword(password, row.passwordHash))) return null;
  // A new id on every sign-in: a session id planted before sign-in is never promoted.
  const sessionId = randomToken(32);
  await db.insert(staffSessions).values({ idHash: sha256(sessionId), staffId: row.id });
  await db.delete(staffSessions).where(and(eq(staffSessions.staffId, row.id), expiredSession(new Date())));
  return { sessionId, staff: await withSites(db, row) };
}

function expiredSession(now: Date) {
  return or(lt(staffSessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS)), lt(staffSessions.createdAt, new Date(now.getTime() - SESSION_ABSOLUTE_MS)))!;
}

/** The staff member of a live session, or null when it is unknown, idle too long or too old. */
export async function sessionStaff(db: Db, sessionId: string, now = new Date()): Promise<SessionStaff | null> {
  const idHash = sha256(sessionId);
  const [row] = await db
    .select({ session: staffSessions, staff })
    .from(staffSessions)
    .innerJoin(staff, eq(staff.id, staffSessions.staffId))
    .where(eq(staffSessions.idHash, idHash))
    .limit(1);
  if (!row) return null;
  const { createdAt, lastSeenAt } = row.session;
  if (now.getTime() - lastSeenAt.getTime() > SESSION_IDLE_MS || now.getTime() - createdAt.getTime() > SESSION_ABSOLUTE_MS) {
    await db.delete(staffSessions).where(eq(staffSessions.idHash, idHash));
    return null;
  }
  if (now.getTime() - lastSeenAt.getTime() > TOUCH_EVERY_MS) await db.update(staffSessions).set({ lastSeenAt: now }).where(eq(staffSessions.idHash, idHash));
  return withSites(db, row.staff);
}

export async function signOut(db: Db, sessionId: string): Promise<void> {
  await db.delete(staffSessions).where(eq(staffSessions.idHash, sha256(sessionId)));
}

/** "maya.lopez@example.com" → "Maya". */
export function defaultDisplayName(email: string): string {
  const local = email.split('@')[0]!.split(/[._+-]/)[0] || email;
  return local.charAt(0).toUpperCase() + local.slice(1);
}

async function withSites(db: Db, row: typeof staff.$inferSelect): Promise<SessionStaff> {
  const memberships = await db.select({ siteId: staffSites.siteId }).from(staffSites).where(eq(staffSites.staffId, row.id));
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    displayName: row.displayName ?? defaultDisplayName(row.email),
    siteIds: memberships.map((m) => m.siteId),
  };
}

/** Names of the staff member's sites, for the console. */
export async function siteNames(db: Db, siteIds: string[]): Promise<{ id: string; name: string }[]> {
  if (siteIds.length === 0) return [];
  return db.select({ id: sites.id, name: sites.name }).from(sites).where(sql`${sites.id} in ${siteIds}`).orderBy(sites.name);
}
