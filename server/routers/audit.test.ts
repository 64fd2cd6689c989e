/** The audit log: staff actions write a row (who, what, when, from where); admins read their sites' rows in pages. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../context';
import type { Database } from '../db/client';
import { auditLog } from '../db/schema';
import { CLI_ACTOR, recordAudit } from '../domain/audit';
import { createSite, type CreatedSite } from '../domain/sites';
import { createCallerFactory } from '../trpc';
import { conversation, userMessage } from '../test/fixtures';
import { escalationSignal, instanceOf, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { addCase, reviewConversation } from '../test/review-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { appRouter } from '.';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let other: CreatedSite;
const createCaller = createCallerFactory(appRouter);

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Audited', origins: ['https://shop.example.com'] });
  other = await createSite(database.db, { name: 'Other', origins: ['https://shop.example.com'] });
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

/** Calls as a signed-in staff member from a given address and browser. */
function from(s: { sessionId: string }, ip = '192.0.2.44') {
  return createCaller(createContextInner({ db: database.db, bus: inst.bus, presence: inst.presence, sessionId: s.sessionId, csrf: true, ip, userAgent: 'Audit-Browser/1.0' }));
}

async function newEscalation(siteKey: string): Promise<string> {
  const conv = conversation();
  await widgetCaller(inst, siteKey).signal.push({ items: [userMessage(conv, 'Refund please'), escalationSignal(conv)] });
  const admin = await signedInStaff(inst, 'admin', [site.siteId, other.siteId]);
  const list = await admin.caller().escalation.list({});
  return list.items.find((e: { conversationId: string }) => e.conversationId === conv.conversationId)!.id;
}

const rowsFor = (targetId: string) => database.db.select().from(auditLog).where(eq(auditLog.targetId, targetId)).orderBy(auditLog.id);

describe(`audit log (${testDbKind})`, () => {
  it('should record every escalation action with who, what, the site and where from', async () => {
    const escalationId = await newEscalation(site.publicKey);
    const agent = await signedInStaff(inst, 'agent', [site.siteId]);
    const colleague = await signedInStaff(inst, 'agent', [site.siteId]);
    const me = from(agent);
    await me.escalation.claim({ escalationId });
    await me.escalation.reply({ escalationId, text: 'Looking into it' });
    await me.escalation.note({ escalationId, text: 'Customer since 2019' });
    await me.escalation.unclaim({ escalationId });
    await me.escalation.transfer({ escalationId, toStaffId: colleague.id });
    await from(colleague).escalation.resolve({ escalationId, outcome: 'resolved' });
    const rows = await rowsFor(escalationId);
    expect(rows.map((r) => r.action)).toEqual(['escalation.claim', 'escalation.reply', 'escalation.note', 'escalation.unclaim', 'escalation.transfer', 'escalation.resolve']);
    expect(rows.every((r) => r.siteId === site.siteId && r.ip === '192.0.2.44' && r.userAgent === 'Audit-Browser/1.0' && r.targetType === 'escalation')).toBe(true);
    expect(rows.slice(0, 5).every((r) => r.staffId === agent.id && r.actor === agent.email)).toBe(true);
    expect(rows[4]!.details).toEqual({ toStaffId: colleague.id });
    expect(rows[5]!.details).toEqual({ outcome: 'resolved' });
    // The text of replies and notes is not copied into the log.
    expect(JSON.stringify(rows)).not.toContain('Customer since 2019');
  });

  it('should not record a refused action', async () => {
    const escalationId = await newEscalation(site.publicKey);
    const reviewer = await signedInStaff(inst, 'reviewer', [site.siteId]);
    await expect(from(reviewer).escalation.claim({ escalationId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await rowsFor(escalationId)).toEqual([]);
  });

  it('should record site settings and review labels', async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    await from(admin).site.setHours({ siteId: site.siteId, hours: null });
    await from(admin).site.setWebhook({ siteId: site.siteId, url: 'https://hooks.example.com/backstop?token=secret-token' });
    const caseId = await addCase(database.db, site.siteId, { occurredAt: new Date(), conversationId: await reviewConversation(database.db, site.siteId), rating: -1 });
    await from(admin).review.label({ caseId, mode: 'hallucination' });
    const siteRows = (await rowsFor(site.siteId)).filter((r) => r.staffId === admin.id);
    expect(siteRows.map((r) => r.action)).toEqual(['site.set_hours', 'site.set_webhook']);
    expect(JSON.stringify(siteRows)).not.toContain('secret-token');
    const [label] = await rowsFor(caseId);
    expect(label).toMatchObject({ action: 'review.label', siteId: site.siteId, actor: admin.email, details: { mode: 'hallucination' } });
  });

  it("should show admins their sites' rows and actions outside any site, newest first in keyset pages", async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    for (let i = 0; i < 5; i++) await recordAudit(database.db, CLI_ACTOR, { action: 'test.page', siteId: site.siteId, targetId: `p${i}` });
    await recordAudit(database.db, CLI_ACTOR, { action: 'test.other_site', siteId: other.siteId, targetId: 'hidden' });
    await recordAudit(database.db, CLI_ACTOR, { action: 'test.no_site', targetId: 'global' });

    const first = await from(admin).audit.list({ siteId: site.siteId, limit: 3 });
    expect(first.entries.map((e) => e.targetId)).toEqual(['p4', 'p3', 'p2']);
    const second = await from(admin).audit.list({ siteId: site.siteId, limit: 3, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.targetId).slice(0, 2)).toEqual(['p1', 'p0']);

    const all = await from(admin).audit.list({ limit: 200 });
    const targets = all.entries.map((e) => e.targetId);
    expect(targets).toContain('global');
    expect(targets).toContain('p4');
    expect(targets).not.toContain('hidden');
    expect(all.entries.find((e) => e.targetId === 'p4')).toMatchObject({ actor: 'cli', staffId: null });
  });

  it('should be for admins only; a site the admin is not a member of is not found', async () => {
    const agent = await signedInStaff(inst, 'agent', [site.siteId]);
    const reviewer = await signedInStaff(inst, 'reviewer', [site.siteId]);
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    await expect(from(agent).audit.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(from(reviewer).audit.list({ siteId: site.siteId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(from(admin).audit.list({ siteId: other.siteId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
