/**
 * Staff sign-in and sessions. The session id is a 256-bit random token kept only in the browser's
 * cookie; the database stores its sha256, so a leaked table does not sign anyone in.
 */
import { and, eq, lt, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { sites, staff, staffSessions, staffSites } from '../db/schema';
import { hashPassword, needsRehash, passwordCost, randomToken, sha256, verifyPassword } from './secrets';
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

/** The same message for an unknown email, a wrong password and a disabled account, so sign-in does not reveal who has an account. */
export const WRONG_CREDENTIALS = 'Wrong email or password.';

// Compared against when the email is unknown, so both failures take one scrypt's time at the current cost.
let dummyHash: { cost: number; hash: Promise<string> } | null = null;
function dummyPasswordHash(): Promise<string> {
  if (dummyHash?.cost !== passwordCost().N) dummyHash = { cost: passwordCost().N, hash: hashPassword(randomToken(16)) };
  return dummyHash.hash;
}

/**
 * Checks the credentials and opens a new session; returns null (never which part was wrong) on failure.
 * A disabled account fails like a wrong password. A hash made at a lower cost than today's is replaced.
 */
export async function signIn(db: Db, email: string, password: string): Promise<{ sessionId: string; staff: SessionStaff } | null> {
  const [row] = await db.select().from(staff).where(eq(staff.email, normalizeEmail(email))).limit(1);
  if (!row) {
    await verifyPassword(password, await dummyPasswordHash());
    return null;
  }
  if (!(await verifyPassword(password, row.passwordHash)) || row.disabledAt) return null;
  if (needsRehash(row.passwordHash)) {
    // Compare-and-set: a password changed meanwhile is not overwritten with the old one.
    await db.update(staff).set({ passwordHash: await hashPassword(password) }).where(and(eq(staff.id, row.id), eq(staff.passwordHash, row.passwordHash)));
  }
  // A new id on every sign-in: a session id planted before sign-in is never promoted.
  const sessionId = await openSession(db, row.id);
  await db.delete(staffSessions).where(and(eq(staffSessions.staffId, row.id), expiredSession(new Date())));
  return { sessionId, staff: await withSites(db, row) };
}

/** Emails are compared trimmed and in lower case. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Opens a session for a staff member and returns its id (the cookie's value). */
export async function openSession(db: Db, staffId: string): Promise<string> {
  const sessionId = randomToken(32);
  await db.insert(staffSessions).values({ idHash: sha256(sessionId), staffId });
  return sessionId;
}

/**
 * Ends every session of a staff member, except `keep` (the session that changed its own password).
 * Sessions are rows read on every request, with no cache in any instance, so this takes effect at once everywhere.
 */
export async function endSessionsOf(db: Db, staffId: string, keep?: string | null): Promise<number> {
  const rows = await db
    .delete(staffSessions)
    .where(and(eq(staffSessions.staffId, staffId), keep ? ne(staffSessions.idHash, sha256(keep)) : undefined))
    .returning({ idHash: staffSessions.idHash });
  return rows.length;
}

function expiredSession(now: Date) {
  return or(lt(staffSessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS)), lt(staffSessions.createdAt, new Date(now.getTime() - SESSION_ABSOLUTE_MS)))!;
}

/** The staff member of a live session, or null when it is unknown, idle too long, too old, or its account is disabled. */
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
  if (row.staff.disabledAt || now.getTime() - lastSeenAt.getTime() > SESSION_IDLE_MS || now.getTime() - createdAt.getTime() > SESSION_ABSOLUTE_MS) {
    await db.delete(staffSessions).where(eq(staffSessions.idHash, idHash));
    return null;
  }
  if (now.getTime() - lastSeenAt.getTime() > TOUCH_EVERY_MS) await db.update(staffSessions).set({ lastSeenAt: now }).where(eq(staffSessions.idHash, idHash));
  return withSites(db, row.staff);
}

/**
 * Whether a session is still live (known, not idle or too old, account not disabled), without counting this
 * as activity: for long-lived streams, which must stop the moment their session ends but do not keep it alive.
 */
export async function sessionAlive(db: Db, sessionId: string, now = new Date()): Promise<boolean> {
  const [row] = await db
    .select({ createdAt: staffSessions.createdAt, lastSeenAt: staffSessions.lastSeenAt, disabledAt: staff.disabledAt })
    .from(staffSessions)
    .innerJoin(staff, eq(staff.id, staffSessions.staffId))
    .where(eq(staffSessions.idHash, sha256(sessionId)))
    .limit(1);
  return Boolean(row && !row.disabledAt && now.getTime() - row.lastSeenAt.getTime() <= SESSION_IDLE_MS && now.getTime() - row.createdAt.getTime() <= SESSION_ABSOLUTE_MS);
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
