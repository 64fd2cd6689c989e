import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../context';
import type { Database } from '../db/client';
import { staffSessions } from '../db/schema';
import { createSite } from '../domain/sites';
import { sha256 } from '../domain/secrets';
import { eq } from 'drizzle-orm';
import { appRouter } from '.';
import { createCallerFactory } from '../trpc';
import { instanceOf, PASSWORD, signedInStaff, type Instance } from '../test/handoff-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let inst: Instance;
let siteId: string;
const createCaller = createCallerFactory(appRouter);

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  siteId = (await createSite(database.db, { name: 'Shop', origins: ['https://shop.example.com'] })).siteId;
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

/** A caller as a browser without a session: records the cookie the server sets. */
function anonymous(opts: { csrf?: boolean; sessionId?: string } = {}) {
  const cookies: (string | null)[] = [];
  const caller = createCaller(createContextInner({ db: database.db, csrf: opts.csrf ?? true, sessionId: opts.sessionId ?? null, setSessionCookie: (id) => cookies.push(id) }));
  return { caller, cookies };
}

describe(`staff sign-in (${testDbKind})`, () => {
  it('should sign in with the right password, set a session cookie and store only its hash', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const { caller, cookies } = anonymous();
    const me = await caller.staff.login({ email: s.email.toUpperCase(), password: PASSWORD });
    expect(me).toMatchObject({ email: s.email, role: 'agent', sites: [{ id: siteId, name: 'Shop' }] });
    const sessionId = cookies[0]!;
    expect(sessionId).toMatch(/^[\w-]{40,}$/);
    const stored = await database.db.select().from(staffSessions).where(eq(staffSessions.staffId, s.id));
    expect(stored.map((r) => r.idHash)).toContain(sha256(sessionId));
    expect(stored.map((r) => r.idHash)).not.toContain(sessionId);
  });

  it('should give the same message for an unknown email and a wrong password', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const wrongPassword = await anonymous().caller.staff.login({ email: s.email, password: 'not the password' }).catch((e) => e);
    const unknownEmail = await anonymous().caller.staff.login({ email: 'nobody@example.com', password: PASSWORD }).catch((e) => e);
    // A NUL cannot reach the database (which refuses it): the same refusal, not a server error.
    const nulEmail = await anonymous().caller.staff.login({ email: 'nobody\u0000@example.com', password: PASSWORD }).catch((e) => e);
    expect(wrongPassword.code).toBe('UNAUTHORIZED');
    expect(unknownEmail.code).toBe('UNAUTHORIZED');
    expect(wrongPassword.message).toBe(unknownEmail.message);
    expect(nulEmail.code).toBe('UNAUTHORIZED');
    expect(nulEmail.message).toBe(unknownEmail.message);
  });

  it('should issue a new session id on every sign-in and end the one the browser had', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    const { caller, cookies } = anonymous({ sessionId: s.sessionId });
    await caller.staff.login({ email: s.email, password: PASSWORD });
    expect(cookies[0]).not.toBe(s.sessionId);
    await expect(s.caller().staff.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should refuse a login without the CSRF header', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    await expect(anonymous({ csrf: false }).caller.staff.login({ email: s.email, password: PASSWORD })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('should refuse a staff mutation without the CSRF header even with a valid session', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    await expect(s.caller({ csrf: false }).escalation.claim({ escalationId: crypto.randomUUID() })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('x-backstop-csrf'),
    });
  });

  it('should end the session on logout', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    expect((await s.caller().staff.me()).email).toBe(s.email);
    await s.caller().staff.logout();
    await expect(s.caller().staff.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should end a session idle for more than 30 minutes', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    await database.db.update(staffSessions).set({ lastSeenAt: new Date(Date.now() - 31 * 60_000) }).where(eq(staffSessions.idHash, sha256(s.sessionId)));
    await expect(s.caller().staff.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('session has ended') });
  });

  it('should end a session 12 hours after sign-in even when it is in use', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    await database.db.update(staffSessions).set({ createdAt: new Date(Date.now() - 12 * 3_600_000 - 1000), lastSeenAt: new Date() }).where(eq(staffSessions.idHash, sha256(s.sessionId)));
    await expect(s.caller().staff.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should keep a session that is used within the idle timeout', async () => {
    const s = await signedInStaff(inst, 'agent', [siteId]);
    await database.db.update(staffSessions).set({ lastSeenAt: new Date(Date.now() - 29 * 60_000) }).where(eq(staffSessions.idHash, sha256(s.sessionId)));
    await s.caller().staff.me();
    const [row] = await database.db.select().from(staffSessions).where(eq(staffSessions.idHash, sha256(s.sessionId)));
    expect(Date.now() - row!.lastSeenAt.getTime()).toBeLessThan(60_000);
  });

  it('should refuse staff procedures without a session', async () => {
    await expect(anonymous().caller.escalation.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
