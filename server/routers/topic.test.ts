/** Topics and trust settings over tRPC: who may read and change them, partial settings patches, audit, undefined topics, widget config. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { auditLog, sites } from '../db/schema';
import { createSite, type CreatedSite } from '../domain/sites';
import { instanceOf, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { addMessage, reviewConversation } from '../test/review-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let inst: Instance;
let site: CreatedSite;

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Topics', origins: ['https://shop.example.com'] });
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

const auditOf = (action: string) => database.db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(auditLog.id);
const errorOf = (p: Promise<unknown>) => p.then(() => null, (err: { code?: string; message: string }) => err);

describe(`topic router (${testDbKind})`, () => {
  it('should let an admin set a topic that every staff role of the site can then list, and refuse agents and reviewers the change', async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    const agent = await signedInStaff(inst, 'agent', [site.siteId]);
    const reviewer = await signedInStaff(inst, 'reviewer', [site.siteId]);
    await admin.caller().topic.set({ siteId: site.siteId, name: 'refunds', failureCost: 'high', autonomy: 'human_review', criterion: 'names the refund amount', reason: 'no record yet' });

    for (const who of [admin, agent, reviewer]) {
      expect(await who.caller().topic.list({ siteId: site.siteId })).toEqual([
        expect.objectContaining({ name: 'refunds', failureCost: 'high', autonomy: 'human_review', criterion: 'names the refund amount', updatedBy: admin.email }),
      ]);
    }
    for (const who of [agent, reviewer]) {
      const err = await errorOf(who.caller().topic.set({ siteId: site.siteId, name: 'refunds', autonomy: 'auto' }));
      expect(err).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await admin.caller().topic.list({ siteId: site.siteId }))[0]!.autonomy).toBe('human_review');
    const [entry] = await auditOf('topic.create');
    expect(entry).toMatchObject({ siteId: site.siteId, actor: admin.email, targetId: 'refunds', details: expect.objectContaining({ reason: 'no record yet' }) });
  });

  it('should refuse a bad autonomy or an empty name with a message naming the field', async () => {
    const admin = await signedInStaff(inst, 'admin', [site.siteId]);
    const badLevel = await errorOf(admin.caller().topic.set({ siteId: site.siteId, name: 'refunds', autonomy: 'sometimes' as never }));
    expect(badLevel).toMatchObject({ code: 'BAD_REQUEST' });
    expect(badLevel!.message).toContain('auto');
    const blank = await errorOf(admin.caller().topic.set({ siteId: site.siteId, name: '  \u0000 ' }));
    expect(blank!.message).toContain('give the topic a name');
  });

  it("should hide another site's topics from its outsiders as not found", async () => {
    const other = await createSite(database.db, { name: 'Other', origins: [] });
    const outsider = await signedInStaff(inst, 'admin', [other.siteId]);
    expect(await errorOf(outsider.caller().topic.list({ siteId: site.siteId }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await errorOf(outsider.caller().topic.setSettings({ siteId: site.siteId, settings: { defaultAutonomy: 'human_review' } }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('should read the settings with defaults, merge a partial change without resetting other keys, and audit only the keys sent', async () => {
    const s = await createSite(database.db, { name: 'Settings', origins: [] });
    const admin = await signedInStaff(inst, 'admin', [s.siteId]);
    const reviewer = await signedInStaff(inst, 'reviewer', [s.siteId]);
    expect(await reviewer.caller().topic.settings({ siteId: s.siteId })).toMatchObject({ defaultAutonomy: 'auto', stepUpMinDecisions: 200, badgeMode: 'fixed' });

    await admin.caller().topic.setSettings({ siteId: s.siteId, settings: { stepUpMinDecisions: 300 } });
    const after = await admin.caller().topic.setSettings({ siteId: s.siteId, settings: { defaultAutonomy: 'suggest_handoff' } });
    expect(after).toMatchObject({ defaultAutonomy: 'suggest_handoff', stepUpMinDecisions: 300, calibrationTarget: 0.9 });
    const [stored] = await database.db.select({ trust: sites.trust }).from(sites).where(eq(sites.id, s.siteId));
    expect(stored!.trust).toEqual({ stepUpMinDecisions: 300, defaultAutonomy: 'suggest_handoff' });

    const audit = (await auditOf('trust.settings')).filter((a) => a.siteId === s.siteId);
    expect(audit.map((a) => a.details)).toEqual([
      { before: { stepUpMinDecisions: 200 }, after: { stepUpMinDecisions: 300 } },
      { before: { defaultAutonomy: 'auto' }, after: { defaultAutonomy: 'suggest_handoff' } },
    ]);
    expect(await errorOf(reviewer.caller().topic.setSettings({ siteId: s.siteId, settings: { badgeMode: 'calibrated' } }))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('should refuse unknown or out-of-range settings and change nothing', async () => {
    const s = await createSite(database.db, { name: 'Strict settings', origins: [] });
    const admin = await signedInStaff(inst, 'admin', [s.siteId]);
    const unknown = await errorOf(admin.caller().topic.setSettings({ siteId: s.siteId, settings: { stepUpLowerBund: 0.9 } as never }));
    expect(unknown).toMatchObject({ code: 'BAD_REQUEST' });
    expect(unknown!.message).toContain('stepUpLowerBund');
    const range = await errorOf(admin.caller().topic.setSettings({ siteId: s.siteId, settings: { stepUpLowerBound: 2 } }));
    expect(range).toMatchObject({ code: 'BAD_REQUEST' });
    const [stored] = await database.db.select({ trust: sites.trust }).from(sites).where(eq(sites.id, s.siteId));
    expect(stored!.trust).toEqual({});
  });

  it('should list topics seen in recent answers that are not defined, most answers first', async () => {
    const s = await createSite(database.db, { name: 'Seen', origins: [] });
    const admin = await signedInStaff(inst, 'admin', [s.siteId]);
    await admin.caller().topic.set({ siteId: s.siteId, name: 'refunds' });
    const conv = await reviewConversation(database.db, s.siteId);
    const now = Date.now();
    const answer = (topic: string | undefined, daysAgo: number, role: 'agent' | 'user' = 'agent') =>
      addMessage(database.db, s.siteId, conv, { role, text: 'x', topic, sentAt: new Date(now - daysAgo * 86_400_000) });
    await answer('refunds', 1);
    await answer('shipping', 1);
    await answer(' shipping ', 2);
    await answer('password reset', 3);
    await answer('old topic', 120);
    await answer('asked by a user', 1, 'user');
    await answer(undefined, 1);

    const seen = await admin.caller().topic.undefinedSeen({ siteId: s.siteId });
    expect(seen.map((t) => [t.name, t.answers])).toEqual([
      ['shipping', 2],
      ['password reset', 1],
    ]);
  });

  it("should give the widget the default autonomy and the topics that differ from it in the site's config", async () => {
    const s = await createSite(database.db, { name: 'Widget config', origins: ['https://shop.example.com'] });
    const admin = await signedInStaff(inst, 'admin', [s.siteId]);
    const widget = widgetCaller(inst, s.publicKey);
    expect((await widget.site.config()).autonomy).toEqual({ defaultAutonomy: 'auto', topics: {} });

    await admin.caller().topic.set({ siteId: s.siteId, name: 'refunds', autonomy: 'suggest_handoff' });
    await admin.caller().topic.set({ siteId: s.siteId, name: 'shipping', autonomy: 'auto' });
    expect((await widget.site.config()).autonomy).toEqual({ defaultAutonomy: 'auto', topics: { refunds: 'suggest_handoff' } });

    await admin.caller().topic.setSettings({ siteId: s.siteId, settings: { defaultAutonomy: 'suggest_handoff' } });
    expect((await widget.site.config()).autonomy).toEqual({ defaultAutonomy: 'suggest_handoff', topics: { shipping: 'auto' } });
  });
});
