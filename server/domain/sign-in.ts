/**
 * Sign-in with throttling. Failures are rows in `login_failures`, so every instance counts the same ones:
 * after ACCOUNT_LIMIT failures for one email within the window, that email is refused until the oldest of
 * them leaves the window; after IP_LIMIT failures from one address, that address is. Unknown emails are
 * counted and refused exactly like real ones, so throttling does not reveal accounts either.
 *
 * Each attempt writes its row before the password is checked and counts the others after: of concurrent
 * attempts on one account, at most ACCOUNT_LIMIT get a password check, whichever instance they reach.
 * A refused (throttled) attempt removes its row, so hammering a locked account does not extend the lock.
 */
import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { loginFailures } from '../db/schema';
import { recordAudit, staffActor } from './audit';
import { normalizeEmail, signIn, type SessionStaff } from './sessions';

/** Failures per account within the window before it is refused. */
export const ACCOUNT_LIMIT = 5;
/** Failures per client address within the window before it is refused. */
export const IP_LIMIT = 20;
/** The window failures count in, and so how long a lock lasts at most. */
export const THROTTLE_WINDOW_MINUTES = 15;

export type SignInOutcome =
  | { ok: true; sessionId: string; staff: SessionStaff }
  | { ok: false; reason: 'credentials' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** The refusal while throttled: when to try again, never whether the account exists. */
export function throttledMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many failed sign-ins; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[]));

/** Seconds until the `limit`-th newest failure (other than `own`) leaves the window; null when under the limit. */
async function waitSeconds(db: Db, own: number, email: string, ip: string | null): Promise<number | null> {
  const window = sql.raw(`interval '${THROTTLE_WINDOW_MINUTES} minutes'`);
  const wait = (column: 'email' | 'ip', value: string, limit: number) => sql`(
    select extract(epoch from created_at + ${window} - now())::float8 from login_failures
    where ${sql.identifier(column)} = ${value} and id <> ${own} and created_at > now() - ${window}
    order by created_at desc offset ${limit - 1} limit 1)`;
  const [row] = rowsOf<{ account: number | null; address: number | null }>(
    await db.execute(sql`select ${wait('email', email, ACCOUNT_LIMIT)} as account, ${ip ? wait('ip', ip, IP_LIMIT) : sql`null::float8`} as address`),
  );
  const waits = [row?.account, row?.address].filter((w): w is number => w !== null && w !== undefined).map(Number);
  return waits.length ? Math.max(1, Math.ceil(Math.max(...waits))) : null;
}

/** Signs in unless the account or address is throttled; records failures and audits sign-ins. */
export async function attemptSignIn(db: Db, input: { email: string; password: string; ip: string | null; userAgent: string | null }): Promise<SignInOutcome> {
  const email = normalizeEmail(input.email).slice(0, 200);
  const [attempt] = await db.insert(loginFailures).values({ email, ip: input.ip }).returning({ id: loginFailures.id });
  const own = attempt!.id;
  const wait = await waitSeconds(db, own, email, input.ip);
  if (wait !== null) {
    await db.delete(loginFailures).where(eq(loginFailures.id, own));
    return { ok: false, reason: 'throttled', retryAfterSeconds: wait };
  }
  const result = await signIn(db, email, input.password);
  if (!result) {
    // The attempt's row stays as the failure; rows that left the window are of no use any more.
    const cutoff = sql`now() - ${sql.raw(`interval '${THROTTLE_WINDOW_MINUTES} minutes'`)}`;
    await db.delete(loginFailures).where(and(or(eq(loginFailures.email, email), input.ip ? eq(loginFailures.ip, input.ip) : undefined), lt(loginFailures.createdAt, cutoff)));
    return { ok: false, reason: 'credentials' };
  }
  // A success clears the account's failures (not the address's: one good password must not unlock guessing others).
  await db.delete(loginFailures).where(eq(loginFailures.email, email));
  await recordAudit(db, staffActor(result.staff, input), { action: 'staff.login', targetType: 'staff', targetId: result.staff.id });
  return { ok: true, ...result };
}
