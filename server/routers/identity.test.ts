/**
 * End-user identity through the routers: secrets (shown once, rotated with a grace period, revoked at
 * once, audited), identify in `optional` and `required` mode, a verified user's conversations on another
 * device, and the same NOT_FOUND for guessed, foreign and wrongly-tokened conversation ids everywhere.
 */
import { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { auditLog, conversations, drafts, escalations, siteIdentitySecrets, topics } from '../db/schema';
import { identityHmac } from '../domain/identity';
import { CHECKING_PREVIEW } from '../domain/identity-users';
import { createSite, type CreatedSite } from '../domain/sites';
import { agentMessage, conversation, userMessage } from '../test/fixtures';
import { escalationSignal, instanceOf, signedInStaff, widgetCaller, type Instance } from '../test/handoff-fixtures';
import { openTestDatabase, testDbKind } from '../test/test-db';

let database: Database;
let inst: Instance;
let site: CreatedSite;
let other: CreatedSite;
let admin: Awaited<ReturnType<typeof signedInStaff>>;
let secret: string;

const ORIGIN = 'https://shop.example.com';
const OTHER_ORIGIN = 'https://other.example.com';
const widget = () => widgetCaller(inst, site.publicKey, ORIGIN);
const otherWidget = () => widgetCaller(inst, other.publicKey, OTHER_ORIGIN);
const jwtFor = (userId: string, key = secret, expSeconds = 600) =>
  new SignJWT({ sub: userId }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds).sign(new TextEncoder().encode(key));
const rowOf = async (id: string) => (await database.db.select().from(conversations).where(eq(conversations.id, id)))[0];
const codeOf = (p: Promise<unknown>) => p.then(() => 'allow', (e: TRPCError) => e.code);

beforeAll(async () => {
  database = await openTestDatabase();
  inst = await instanceOf(database);
  site = await createSite(database.db, { name: 'Identity shop', origins: [ORIGIN] });
  other = await createSite(database.db, { name: 'Other shop', origins: [OTHER_ORIGIN] });
  admin = await signedInStaff(inst, 'admin', [site.siteId]);
  secret = (await admin.caller().identity.rotateSecret({ siteId: site.siteId })).secret;
});
afterAll(async () => {
  await inst.close();
  await database.close();
});

describe(`identity secrets (${testDbKind})`, () => {
  it('should show a new secret once, list secrets without them, and audit creation, rotation, revocation and the mode', async () => {
    const s = await createSite(database.db, { name: 'Secrets', origins: [ORIGIN] });
    const a = await signedInStaff(inst, 'admin', [s.siteId]);
    const first = await a.caller().identity.rotateSecret({ siteId: s.siteId });
    expect(first.secret).toMatch(/^idsec_[\w-]{43}$/);
    expect(first).toMatchObject({ state: 'current', expiresAt: null, createdBy: a.email });
    const second = await a.caller().identity.rotateSecret({ siteId: s.siteId, graceHours: 2 });
    const settings = await a.caller().identity.settings({ siteId: s.siteId });
    expect(settings.mode).toBe('optional');
    expect(settings.secrets.map((x) => [x.id, x.state])).toEqual([
      [first.id, 'grace'],
      [second.id, 'current'],
    ]);
    const graceEnd = Date.parse(settings.secrets[0]!.expiresAt!) - Date.now();
    expect(graceEnd).toBeGreaterThan(3_600_000);
    expect(graceEnd).toBeLessThanOrEqual(2 * 3_600_000);
    expect(JSON.stringify(settings)).not.toContain(first.secret);
    expect(JSON.stringify(settings)).not.toContain(second.secret);

    await a.caller().identity.revokeSecret({ siteId: s.siteId, secretId: first.id });
    expect(await a.caller().identity.setMode({ siteId: s.siteId, mode: 'required' })).toEqual({ mode: 'required' });
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.siteId, s.siteId)).orderBy(auditLog.id);
    expect(audit.map((r) => [r.action, r.actor])).toEqual([
      ['identity_secret.create', a.email],
      ['identity_secret.rotate', a.email],
      ['identity_secret.revoke', a.email],
      ['site.identity_mode', a.email],
    ]);
    expect(audit[1]!.details).toEqual({ graceHours: 2, previous: [first.id] });
    expect(audit[3]!.details).toEqual({ before: 'optional', after: 'required' });
    expect(JSON.stringify(audit)).not.toContain(second.secret);
  });

  it("should refuse another site's secret id as NOT_FOUND when revoking", async () => {
    const foreign = await createSite(database.db, { name: 'Foreign secrets', origins: [] });
    const [row] = await database.db.insert(siteIdentitySecrets).values({ siteId: foreign.siteId, secret: 'idsec_foreign' }).returning();
    expect(await codeOf(admin.caller().identity.revokeSecret({ siteId: site.siteId, secretId: row!.id }))).toBe('NOT_FOUND');
  });

  it('should accept tokens of the old secret during the grace period, and refuse them after a revocation', async () => {
    const s = await createSite(database.db, { name: 'Rotation', origins: [ORIGIN] });
    const a = await signedInStaff(inst, 'admin', [s.siteId]);
    const old = await a.caller().identity.rotateSecret({ siteId: s.siteId });
    await a.caller().identity.rotateSecret({ siteId: s.siteId, graceHours: 24 });
    const w = widgetCaller(inst, s.publicKey, ORIGIN);
    expect(await w.identity.verify({ ...conversation(), userId: 'u_1', token: identityHmac(old.secret, 'u_1') })).toEqual({ verified: true });
    await a.caller().identity.revokeSecret({ siteId: s.siteId, secretId: old.id });
    expect(await w.identity.verify({ ...conversation(), userId: 'u_1', token: identityHmac(old.secret, 'u_1') })).toEqual({ verified: false, reason: 'bad_signature' });
  });

  it('should end the old secret at once when rotated with no grace', async () => {
    const s = await createSite(database.db, { name: 'No grace', origins: [ORIGIN] });
    const a = await signedInStaff(inst, 'admin', [s.siteId]);
    const old = await a.caller().identity.rotateSecret({ siteId: s.siteId });
    const fresh = await a.caller().identity.rotateSecret({ siteId: s.siteId, graceHours: 0 });
    const w = widgetCaller(inst, s.publicKey, ORIGIN);
    expect(await w.identity.verify({ ...conversation(), userId: 'u_1', token: identityHmac(old.secret, 'u_1') })).toMatchObject({ verified: false });
    expect(await w.identity.verify({ ...conversation(), userId: 'u_1', token: identityHmac(fresh.secret, 'u_1') })).toEqual({ verified: true });
  });
});

describe(`identify (${testDbKind})`, () => {
  it('should bind a verified user to the conversation with their name and email', async () => {
    const conv = conversation();
    expect(await widget().identity.verify({ ...conv, userId: 'u_ada', name: 'Ada', email: 'ada@example.com', token: await jwtFor('u_ada') })).toEqual({ verified: true });
    expect(await rowOf(conv.conversationId)).toMatchObject({ siteId: site.siteId, userId: 'u_ada', userVerified: true, userClaims: { name: 'Ada', email: 'ada@example.com' } });
  });

  it('should keep an unverified identity as a claim marked unverified in optional mode', async () => {
    const conv = conversation();
    expect(await widget().identity.verify({ ...conv, userId: 'u_bob', name: 'Bob', token: 'not a token' })).toEqual({ verified: false, reason: 'malformed' });
    expect(await widget().identity.verify({ ...conversation(), userId: 'u_bob' })).toEqual({ verified: false, reason: 'no_token' });
    expect(await rowOf(conv.conversationId)).toMatchObject({ userId: 'u_bob', userVerified: false, userClaims: { name: 'Bob' } });
  });

  it('should store nothing about an unverified user in required mode, and still bind a verified one', async () => {
    const s = await createSite(database.db, { name: 'Required', origins: [ORIGIN] });
    const a = await signedInStaff(inst, 'admin', [s.siteId]);
    const key = (await a.caller().identity.rotateSecret({ siteId: s.siteId })).secret;
    await a.caller().identity.setMode({ siteId: s.siteId, mode: 'required' });
    const w = widgetCaller(inst, s.publicKey, ORIGIN);
    const anonymous = conversation();
    expect(await w.identity.verify({ ...anonymous, userId: 'u_eve', name: 'Eve', email: 'eve@example.com', token: identityHmac('guess', 'u_eve') })).toMatchObject({ verified: false });
    expect(await rowOf(anonymous.conversationId)).toMatchObject({ userId: null, userVerified: false, userClaims: null });
    const verified = conversation();
    expect(await w.identity.verify({ ...verified, userId: 'u_eve', token: identityHmac(key, 'u_eve') })).toEqual({ verified: true });
    expect(await rowOf(verified.conversationId)).toMatchObject({ userId: 'u_eve', userVerified: true });
  });

  it('should never downgrade a verified conversation, and refuse another verified user on it', async () => {
    const conv = conversation();
    await widget().identity.verify({ ...conv, userId: 'u_cy', token: await jwtFor('u_cy') });
    await widget().identity.verify({ ...conv, userId: 'u_mallory', name: 'Mallory' });
    expect(await rowOf(conv.conversationId)).toMatchObject({ userId: 'u_cy', userVerified: true });
    expect(await codeOf(widget().identity.verify({ ...conv, userId: 'u_dan', token: await jwtFor('u_dan') }))).toBe('CONFLICT');
    expect(await rowOf(conv.conversationId)).toMatchObject({ userId: 'u_cy', userVerified: true });
  });

  it('should show staff the user of a handed-over conversation with whether the identity is verified', async () => {
    const agent = await signedInStaff(inst, 'agent', [site.siteId]);
    const userOf = async (conv: ReturnType<typeof conversation>) => {
      await widget().signal.push({ items: [userMessage(conv, 'Help'), escalationSignal(conv)] });
      const [row] = await database.db.select({ id: escalations.id }).from(escalations).where(eq(escalations.conversationId, conv.conversationId));
      return (await agent.caller().escalation.byId({ escalationId: row!.id })).user;
    };
    const verified = conversation();
    await widget().identity.verify({ ...verified, userId: 'u_jo', name: 'Jo', email: 'jo@example.com', token: await jwtFor('u_jo') });
    expect(await userOf(verified)).toEqual({ id: 'u_jo', name: 'Jo', email: 'jo@example.com', verified: true });
    const claimed = conversation();
    await widget().identity.verify({ ...claimed, userId: 'u_kim', name: 'Kim' });
    expect(await userOf(claimed)).toEqual({ id: 'u_kim', name: 'Kim', email: null, verified: false });
    expect(await userOf(conversation())).toBeNull();
    const inbox = await agent.caller().escalation.list({ filter: 'queued', siteId: site.siteId });
    const byConversation = new Map(inbox.items.map((i) => [i.conversationId, i.user]));
    expect(byConversation.get(verified.conversationId)).toEqual({ name: 'Jo', verified: true });
    expect(byConversation.get(claimed.conversationId)).toEqual({ name: 'Kim', verified: false });
  });

  it('should upgrade an unverified claim once the same conversation is verified', async () => {
    const conv = conversation();
    await widget().identity.verify({ ...conv, userId: 'u_fay', name: 'Fay' });
    await widget().identity.verify({ ...conv, userId: 'u_fay', token: identityHmac(secret, 'u_fay') });
    expect(await rowOf(conv.conversationId)).toMatchObject({ userId: 'u_fay', userVerified: true, userClaims: { name: 'Fay' } });
  });
});

describe(`claims another user made earlier (${testDbKind})`, () => {
  it('should not give a verified user the name and email claimed earlier for another user id', async () => {
    const conv = conversation();
    await widget().identity.verify({ ...conv, userId: 'u_mallory', name: 'The CEO', email: 'ceo@example.com' });
    await widget().identity.verify({ ...conv, userId: 'u_kim', token: identityHmac(secret, 'u_kim') });
    expect(await rowOf(conv.conversationId)).toMatchObject({ userId: 'u_kim', userVerified: true, userClaims: null });
  });
});

describe(`a verified user's conversations on another device (${testDbKind})`, () => {
  it('should list them with a preview and open them (read, follow, write) with the access token', async () => {
    const first = conversation();
    await widget().signal.push({ items: [userMessage(first, 'Where is my parcel?')] });
    await widget().identity.verify({ ...first, userId: 'u_gus', token: await jwtFor('u_gus') });
    // The new device: no conversation token, only the identity the host page gives it.
    const mine = await widget().conversation.mine({ userId: 'u_gus', token: identityHmac(secret, 'u_gus') });
    expect(mine).toEqual([expect.objectContaining({ conversationId: first.conversationId, preview: 'Where is my parcel?' })]);
    const opened = { conversationId: first.conversationId, conversationToken: mine[0]!.accessToken };
    expect(opened.conversationToken).not.toBe(first.conversationToken);
    expect((await widget().conversation.byId(opened)).transcript.map((m) => m.text)).toEqual(['Where is my parcel?']);
    expect(await widget().conversation.streamTicket(opened)).toMatchObject({ ticket: expect.any(String) });
    await widget().signal.push({ items: [userMessage(opened, 'Any news?')] });
    expect((await widget().conversation.byId(first)).transcript.map((m) => m.text)).toEqual(['Where is my parcel?', 'Any news?']);
  });

  it("should preview an answer held for human review as the user sees it, never with the agent's draft", async () => {
    await database.db.insert(topics).values({ siteId: site.siteId, name: 'refunds', autonomy: 'human_review' }).onConflictDoNothing();
    const conv = conversation();
    const held = agentMessage(conv, { text: 'DRAFT: refunds take 90 days', createdAt: new Date(Date.now() + 1000).toISOString(), answer: { id: 'r1', confidence: 0.4, topic: 'refunds' } });
    await widget().signal.push({ items: [userMessage(conv, 'Can I get a refund?'), held] });
    await widget().identity.verify({ ...conv, userId: 'u_jo', token: await jwtFor('u_jo') });
    const mine = () => widget().conversation.mine({ userId: 'u_jo', token: identityHmac(secret, 'u_jo') });
    expect((await mine())[0]!.preview).toBe(CHECKING_PREVIEW);
    const agent = await signedInStaff(inst, 'agent', [site.siteId]);
    const [draft] = await database.db.select().from(drafts).where(eq(drafts.conversationId, conv.conversationId));
    await agent.caller().draft.edit({ draftId: draft!.id, text: 'Refunds take 14 days.' });
    expect((await mine())[0]!.preview).toBe('Refunds take 14 days.');
  });

  it('should never let an unverified identity unlock a conversation or its history', async () => {
    const claimed = conversation();
    await widget().signal.push({ items: [userMessage(claimed, 'My address is secret')] });
    await widget().identity.verify({ ...claimed, userId: 'u_hal', name: 'Hal' });
    // The claim is not a verified binding: even the right user's valid token does not list it.
    expect(await widget().conversation.mine({ userId: 'u_hal', token: identityHmac(secret, 'u_hal') })).toEqual([]);
    const verified = conversation();
    await widget().signal.push({ items: [userMessage(verified, 'Hello')] });
    await widget().identity.verify({ ...verified, userId: 'u_hal', token: await jwtFor('u_hal') });
    for (const token of [identityHmac('wrong secret', 'u_hal'), await jwtFor('u_hal', 'idsec_wrong'), await jwtFor('u_hal', secret, -120), 'f'.repeat(64)])
      expect(await widget().conversation.mine({ userId: 'u_hal', token })).toEqual([]);
    // The right token of another user lists that user's conversations, never u_hal's.
    expect(await widget().conversation.mine({ userId: 'u_other', token: identityHmac(secret, 'u_other') })).toEqual([]);
  });

  it("should not list or open a verified user's conversations from another site's widget", async () => {
    const conv = conversation();
    await widget().signal.push({ items: [userMessage(conv, 'Only for this shop')] });
    await widget().identity.verify({ ...conv, userId: 'u_ivy', token: identityHmac(secret, 'u_ivy') });
    const [mine] = await widget().conversation.mine({ userId: 'u_ivy', token: identityHmac(secret, 'u_ivy') });
    expect(await otherWidget().conversation.mine({ userId: 'u_ivy', token: identityHmac(secret, 'u_ivy') })).toEqual([]);
    expect(await codeOf(otherWidget().conversation.byId({ conversationId: conv.conversationId, conversationToken: mine!.accessToken }))).toBe('NOT_FOUND');
  });
});

describe(`conversation ids are NOT_FOUND unless opened with their token (${testDbKind})`, () => {
  it('should answer a guessed id, a wrong token and another site alike on every conversation procedure', async () => {
    const conv = conversation();
    await widget().signal.push({ items: [userMessage(conv, 'Mine')] });
    const guessed = conversation();
    const wrongToken = { ...conv, conversationToken: 'w'.repeat(43) };
    const cases: [string, ReturnType<typeof widgetCaller>, ReturnType<typeof conversation>][] = [
      ['a guessed id', widget(), guessed],
      ['a wrong token', widget(), wrongToken],
      ["another site's widget with the right token", otherWidget(), conv],
    ];
    for (const [, caller, target] of cases) {
      const answers = await Promise.all([
        codeOf(caller.conversation.byId(target)),
        codeOf(caller.conversation.streamTicket(target)),
        ...(target === guessed ? [] : [codeOf(caller.identity.verify({ ...target, userId: 'u_x' })), codeOf(caller.signal.push({ items: [userMessage(target)] }))]),
      ]);
      expect(answers.every((a) => a === 'NOT_FOUND')).toBe(true);
    }
    // Nothing of the probes was stored on the real conversation.
    expect(await rowOf(conv.conversationId)).toMatchObject({ siteId: site.siteId, userId: null });
    const mine = await database.db.select().from(conversations).where(and(eq(conversations.id, conv.conversationId), eq(conversations.siteId, other.siteId)));
    expect(mine).toEqual([]);
  });
});
