import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../context';
import type { Database } from '../db/client';
import { auditLog, loginFailures, staff, staffSessions } from '../db/schema';
import { hashPassword, PASSWORD_COST, passwordCost, setPasswordCostForTests, sha256 } from '../domain/secrets';
import { ACCOUNT_LIMIT, IP_LIMIT } from '../domain/sign-in';
import { createSite } from '../domain/sites';
import { createCallerFactory } from '../trpc';
import { collect, escalationSignal, instanceOf, PASSWORD, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { conversation } from '../test/fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { appRouter } from '.';

let database: Database;
let inst: Instance;
let siteId: string;
let sitePublicKey: string;
let otherSiteId: string;
const createCaller = createCallerFactory(appRouter);

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  const created = await createSite(database.db, { name: 'Shop', origins: ['https://shop.example.com'] });
  siteId = created.siteId;
  sitePublicKey = created.publicKey;
  otherSiteId = (await createSite(database.db, { name: 'Other', origins: ['https://other.example.com'] })).siteId;
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

/** A browser without a session, from an address; records the cookies and headers the server sets. */
function browser(opts: { ip?: string; sessionId?: string } = {}) {
  const cookies: (string | null)[] = [];
  const headers: Record<string, string> = {};
  const caller = createCaller(
    createContextInner({
      db: database.db,
      csrf: true,
      ip: opts.ip ?? `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
      userAgent: 'vitest-browser',
      sessionId: opts.sessionId ?? null,
      setSessionCookie: (id) => cookies.push(id),
      setHeader: (name, value) => void (headers[name] = value),
    }),
  );
  return { caller, cookies, headers };
}

const failLogin = (email: string, ip?: string) => browser({ ip }).caller.staff.login({ email, password: 'not the password at all' }).catch((e) => e);

describe(`sign-in throttling (${testDbKind})`, () => {
  it(`should refuse an account for 15 minutes after ${ACCOUNT_LIMIT} failures, with 429, Retry-After and a clear message, even with the right password`, async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await failLogin(s.email)).code).toBe('UNAUTHORIZED');
    const b = browser();
    const refused = await b.caller.staff.login({ email: s.email, password: PASSWORD }).catch((e) => e);
    expect(refused.code).toBe('TOO_MANY_REQUESTS');
    expect(refused.message).toMatch(/^Too many failed sign-ins; try again in 1[45] minutes\.$/);
    expect(Number(b.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(b.cookies).toEqual([]);
  });

  it('should let the account in again once its failures leave the 15-minute window', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    for (let i = 0; i < ACCOUNT_LIMIT; i++) await failLogin(s.email);
    await database.db.update(loginFailures).set({ createdAt: new Date(Date.now() - 16 * 60_000) }).where(eq(loginFailures.email, s.email));
    expect((await browser().caller.staff.login({ email: s.email, password: PASSWORD })).email).toBe(s.email);
  });

  it('should throttle an unknown account exactly like a known one', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const unknown = `nobody-${crypto.randomUUID()}@example.com`;
    const known: string[] = [];
    const missing: string[] = [];
    for (let i = 0; i <= ACCOUNT_LIMIT; i++) {
      known.push((await failLogin(s.email)).code);
      missing.push((await failLogin(unknown)).code);
    }
    expect(missing).toEqual(known);
    expect(known.at(-1)).toBe('TOO_MANY_REQUESTS');
  });

  it(`should refuse an address after ${IP_LIMIT} failures across accounts, while other addresses still sign in`, async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const ip = '203.0.113.77';
    for (let i = 0; i < IP_LIMIT; i++) await failLogin(`spray-${i}-${crypto.randomUUID()}@example.com`, ip);
    const refused = await browser({ ip }).caller.staff.login({ email: s.email, password: PASSWORD }).catch((e) => e);
    expect(refused.code).toBe('TOO_MANY_REQUESTS');
    expect((await browser({ ip: '198.51.100.1' }).caller.staff.login({ email: s.email, password: PASSWORD })).email).toBe(s.email);
  });

  it('should check at most the limit of concurrent guesses for one account', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const codes = await Promise.all(Array.from({ length: 12 }, () => failLogin(s.email).then((e) => e.code)));
    expect(codes.filter((c) => c === 'UNAUTHORIZED').length).toBeLessThanOrEqual(ACCOUNT_LIMIT);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS').length).toBeGreaterThanOrEqual(12 - ACCOUNT_LIMIT);
  });

  it('should clear an account\'s failures on a successful sign-in', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    for (let i = 0; i < ACCOUNT_LIMIT - 1; i++) await failLogin(s.email);
    await browser().caller.staff.login({ email: s.email, password: PASSWORD });
    expect((await failLogin(s.email)).code).toBe('UNAUTHORIZED');
    expect((await failLogin(s.email)).code).toBe('UNAUTHORIZED');
  });
});

// Real-cost hashes take about a second each, and much longer on a loaded machine.
describe(`password cost on sign-in (${testDbKind})`, { timeout: 120_000 }, () => {
  it('should sign in with a hash at the old cost (N=16384) and replace it with one at the OWASP cost', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    await database.db.update(staff).set({ passwordHash: await hashPassword(PASSWORD, { N: 16384, r: 8, p: 1 }) }).where(eq(staff.id, s.id));
    // The suite hashes cheaply (server/test/setup.ts); here new hashes get the production cost.
    const suiteCost = passwordCost();
    setPasswordCostForTests(PASSWORD_COST);
    try {
      await browser().caller.staff.login({ email: s.email, password: PASSWORD });
    } finally {
      setPasswordCostForTests(suiteCost);
    }
    const [row] = await database.db.select({ hash: staff.passwordHash }).from(staff).where(eq(staff.id, s.id));
    expect(row!.hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect((await browser().caller.staff.login({ email: s.email, password: PASSWORD })).email).toBe(s.email);
  });

  it('should sign in with a hash at the OWASP cost', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    await database.db.update(staff).set({ passwordHash: await hashPassword(PASSWORD, PASSWORD_COST) }).where(eq(staff.id, s.id));
    expect((await browser().caller.staff.login({ email: s.email, password: PASSWORD })).email).toBe(s.email);
  });
});

describe(`changing one's password (${testDbKind})`, () => {
  const NEW = 'a much better passphrase';

  it('should end every other session at once, keep this browser signed in with a new session, and take the new password', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const elsewhere = await browser().caller.staff.login({ email: s.email, password: PASSWORD }).then(() => null);
    void elsewhere;
    const sessionsBefore = await database.db.select().from(staffSessions).where(eq(staffSessions.staffId, s.id));
    expect(sessionsBefore.length).toBe(2);
    const me = browser({ sessionId: s.sessionId });
    await me.caller.staff.changePassword({ currentPassword: PASSWORD, newPassword: NEW });
    const renewed = me.cookies[0]!;
    expect(renewed).toMatch(/^[\w-]{40,}$/);
    expect(renewed).not.toBe(s.sessionId);
    const sessionsAfter = await database.db.select().from(staffSessions).where(eq(staffSessions.staffId, s.id));
    expect(sessionsAfter.map((r) => r.idHash)).toEqual([sha256(renewed)]);
    await expect(s.caller().staff.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await browser({ sessionId: renewed }).caller.staff.me()).email).toBe(s.email);
    expect((await failLogin(s.email)).code).toBe('UNAUTHORIZED');
    expect((await browser().caller.staff.login({ email: s.email, password: NEW })).email).toBe(s.email);
    const audit = await database.db.select().from(auditLog).where(and(eq(auditLog.staffId, s.id), eq(auditLog.action, 'staff.change_password')));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: s.email, userAgent: 'vitest-browser', targetId: s.id });
    expect(audit[0]!.ip).toMatch(/^10\.0\./);
  });

  it('should refuse a wrong current password and a new password under 12 characters', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const me = browser({ sessionId: s.sessionId });
    await expect(me.caller.staff.changePassword({ currentPassword: 'wrong password!', newPassword: NEW })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('current password') });
    await expect(me.caller.staff.changePassword({ currentPassword: PASSWORD, newPassword: 'short' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await s.caller().staff.me()).email).toBe(s.email);
  });
});

describe(`disabling accounts (${testDbKind})`, () => {
  it('should end the account\'s sessions at once and refuse its sign-in with the same message as a wrong password', async () => {
    const admin = await signedInStaff(inst, 'admin', [siteId]);
    const agent = await signedInStaff(inst, 'agent', [siteId]);
    await admin.caller().staff.disable({ staffId: agent.id });
    await expect(agent.caller().staff.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await database.db.select().from(staffSessions).where(eq(staffSessions.staffId, agent.id))).toEqual([]);
    const disabled = await browser().caller.staff.login({ email: agent.email, password: PASSWORD }).catch((e) => e);
    const unknown = await browser().caller.staff.login({ email: 'nobody@example.com', password: PASSWORD }).catch((e) => e);
    expect(disabled.code).toBe('UNAUTHORIZED');
    expect(disabled.message).toBe(unknown.message);
    await admin.caller().staff.enable({ staffId: agent.id });
    expect((await browser().caller.staff.login({ email: agent.email, password: PASSWORD })).email).toBe(agent.email);
    const actions = await database.db.select({ action: auditLog.action, actor: auditLog.actor }).from(auditLog).where(eq(auditLog.targetId, agent.id)).orderBy(auditLog.id);
    expect(actions.filter((a) => a.action !== 'staff.login')).toEqual([
      { action: 'staff.disable', actor: admin.email },
      { action: 'staff.enable', actor: admin.email },
    ]);
  });

  it('should refuse a session whose account was disabled in the database directly (no cached session)', async () => {
    const agent = await signedInStaff(inst, 'agent', [siteId]);
    await agent.caller().staff.me();
    await database.db.update(staff).set({ disabledAt: new Date() }).where(eq(staff.id, agent.id));
    await expect(agent.caller().staff.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should not let an admin disable themselves, non-admins disable anyone, or an admin reach accounts of other sites', async () => {
    const admin = await signedInStaff(inst, 'admin', [siteId]);
    const agent = await signedInStaff(inst, 'agent', [siteId]);
    const stranger = await signedInStaff(inst, 'agent', [otherSiteId]);
    const both = await signedInStaff(inst, 'agent', [siteId, otherSiteId]);
    await expect(admin.caller().staff.disable({ staffId: admin.id })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'You cannot disable your own account.' });
    await expect(agent.caller().staff.disable({ staffId: admin.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(admin.caller().staff.disable({ staffId: stranger.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin.caller().staff.disable({ staffId: both.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await stranger.caller().staff.me()).email).toBe(stranger.email);
    expect((await both.caller().staff.me()).email).toBe(both.email);
  });
});

describe(`audit of sign-in and sign-out (${testDbKind})`, () => {
  it('should record sign-in and sign-out with the address and user agent', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const b = browser({ ip: '192.0.2.10' });
    await b.caller.staff.login({ email: s.email, password: PASSWORD });
    await browser({ ip: '192.0.2.10', sessionId: b.cookies[0]! }).caller.staff.logout();
    const rows = await database.db.select().from(auditLog).where(eq(auditLog.staffId, s.id)).orderBy(auditLog.id);
    expect(rows.map((r) => [r.action, r.ip, r.userAgent, r.siteId])).toEqual([
      ['staff.login', '192.0.2.10', 'vitest-browser', null],
      ['staff.logout', '192.0.2.10', 'vitest-browser', null],
    ]);
  });
});

describe(`live Inbox after the session ends (${testDbKind})`, () => {
  it('should deliver nothing more to an open Inbox stream once its session is logged out, and end it', async () => {
    const agent = await signedInStaff(inst, 'agent', [siteId]);
    const inbox = collect((signal) => agent.caller({ signal }).escalation.onInbox({}));
    const first = conversation();
    await widgetCaller(inst, sitePublicKey).signal.push({ items: [escalationSignal(first)] });
    await inbox.until((ev) => ev.some((e) => e.conversationId === first.conversationId && e.type === 'escalation.created'));
    await agent.caller().staff.logout();
    const second = conversation();
    await widgetCaller(inst, sitePublicKey).signal.push({ items: [escalationSignal(second)] });
    await inbox.done;
    expect(inbox.events.some((e) => e.conversationId === second.conversationId)).toBe(false);
  });
});
