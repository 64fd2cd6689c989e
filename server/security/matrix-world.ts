/**
 * The tenants, staff and rows the authorization matrix calls against: site A (the target of every
 * input), site B (another tenant, with its own widget and admin), staff of each role on A, and builders
 * for fresh rows of A (conversations, escalations in a given state, review cases, stream tickets) so
 * that each call finds its row in the state that makes it allowed for an entitled caller.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createContextInner } from '../context';
import type { Db } from '../db/client';
import { drafts, escalations, ingestKeys, messages, siteIdentitySecrets, topics } from '../db/schema';
import { CLI_ACTOR } from '../domain/audit';
import { claimEscalation } from '../domain/escalations';
import { sessionStaff, signIn, type SessionStaff } from '../domain/sessions';
import { createSite, type CreatedSite } from '../domain/sites';
import { addStaffToSites, createStaff, type StaffRole } from '../domain/staff';
import { sha256 } from '../domain/secrets';
import { issueTicket } from '../domain/stream-tickets';
import { setTopic } from '../domain/topics';
import { appRouter } from '../routers';
import { addCase } from '../test/review-fixtures';
import { agentMessage, conversation, userMessage } from '../test/fixtures';
import { escalationSignal } from '../test/handoff-fixtures';
import { createCallerFactory } from '../trpc';

export const SITE_ORIGIN = 'https://shop.example.com';
export const OTHER_SITE_ORIGIN = 'https://other.example.com';
export const FOREIGN_ORIGIN = 'https://evil.example.net';
export const PASSWORD = 'correct horse battery staple';

const createCaller = createCallerFactory(appRouter);

export interface StaffMember {
  id: string;
  email: string;
  role: StaffRole;
  /** Whether the member belongs to site A. */
  member: boolean;
  sessionId: string;
  session(): Promise<SessionStaff>;
  /**
   * A new account with the same role and sites, signed in: for calls that end sessions or change the
   * account (login, logout, a password change), so the shared members stay signed in.
   */
  twin(): Promise<StaffMember>;
}

export type World = Awaited<ReturnType<typeof buildWorld>>;

export async function buildWorld(db: Db) {
  const tag = randomUUID().slice(0, 8);
  const site: CreatedSite & { name: string } = { ...(await createSite(db, { name: `Matrix shop ${tag}`, origins: [SITE_ORIGIN] })), name: `Matrix shop ${tag}` };
  const otherSite = await createSite(db, { name: `Other tenant ${tag}`, origins: [OTHER_SITE_ORIGIN] });

  let twins = 0;
  async function member(role: StaffRole, siteIds: string[], label: string): Promise<StaffMember> {
    const email = `${label}-${tag}@example.com`;
    const row = await createStaff(db, { email, role, password: PASSWORD });
    await addStaffToSites(db, row.id, siteIds);
    const sessionId = (await signIn(db, email, PASSWORD))!.sessionId;
    return {
      id: row.id,
      email,
      role,
      member: siteIds.includes(site.siteId),
      sessionId,
      session: async () => (await sessionStaff(db, sessionId))!,
      twin: () => member(role, siteIds, `${label}-twin${++twins}`),
    };
  }

  const staff = {
    agent: await member('agent', [site.siteId], 'agent'),
    reviewer: await member('reviewer', [site.siteId], 'reviewer'),
    admin: await member('admin', [site.siteId], 'admin'),
    outsiderAdmin: await member('admin', [otherSite.siteId], 'outsider'),
    /** Transfer target: another agent of site A. */
    agent2: await member('agent', [site.siteId], 'agent2'),
    /** Signs in during the matrix; on no site, so what staff.login answers names no tenant. */
    loginProbe: await member('agent', [], 'login-probe'),
  };

  const widget = () => createCaller(createContextInner({ db, siteKey: site.publicKey, origin: SITE_ORIGIN, method: 'POST' }));

  /** A conversation of site A with a user message; its id and token. */
  async function newConversation() {
    const conv = conversation();
    await widget().signal.push({ items: [userMessage(conv, 'Where is my parcel?')] });
    return conv;
  }

  /** An escalation of site A, queued or claimed by `assignee`. */
  async function newEscalation(assignee?: StaffMember) {
    const conv = conversation();
    await widget().signal.push({ items: [userMessage(conv, 'Can you refund me?'), escalationSignal(conv)] });
    const [row] = await db.select({ id: escalations.id }).from(escalations).where(eq(escalations.conversationId, conv.conversationId));
    if (assignee) await claimEscalation(db, await assignee.session(), row!.id);
    return { escalationId: row!.id, conv };
  }

  /** The staff member a work action should be claimed by so that `caller` may act on it: itself when it can work on A. */
  function assigneeFor(caller: StaffMember | undefined): StaffMember {
    return caller && caller.member && caller.role !== 'reviewer' ? caller : staff.agent;
  }

  /** A review case of site A on a fresh conversation. */
  async function newCase() {
    const conv = await newConversation();
    return addCase(db, site.siteId, { conversationId: conv.conversationId, occurredAt: new Date(), rating: -1 });
  }

  /** A pending draft of site A: an answer about a topic under human review; its id. */
  async function newDraft() {
    await db.insert(topics).values({ siteId: site.siteId, name: 'refunds', autonomy: 'human_review' }).onConflictDoNothing();
    const conv = conversation();
    const answer = agentMessage(conv, { answer: { id: 'a1', confidence: 0.7, topic: 'refunds' } });
    await widget().signal.push({ items: [userMessage(conv, 'Can I get a refund?'), answer] });
    const [row] = await db.select({ id: drafts.id }).from(drafts).innerJoin(messages, eq(messages.id, drafts.messageId)).where(eq(messages.clientEventId, answer.clientEventId));
    return { draftId: row!.id };
  }

  /** A stream ticket for a conversation of A with an escalation claimed (so its stream has an event to replay). */
  async function newTicket() {
    const { conv } = await newEscalation(staff.agent);
    return (await issueTicket(db, conv.conversationId)).ticket;
  }

  /** A named ingest key of site A (not the one the `ingestKey` caller uses), for revoking; its id. */
  async function newIngestKeyId() {
    const [row] = await db.insert(ingestKeys).values({ siteId: site.siteId, name: `matrix ${randomUUID().slice(0, 8)}`, keyHash: sha256(`sk_${randomUUID()}`) }).returning({ id: ingestKeys.id });
    return row!.id;
  }

  /** An identity secret of site A, for revoking; its id. */
  async function newIdentitySecretId() {
    const [row] = await db.insert(siteIdentitySecrets).values({ siteId: site.siteId, secret: `idsec_${randomUUID()}` }).returning({ id: siteIdentitySecrets.id });
    return row!.id;
  }

  /** A new agent of site A, not signed in (a target for disabling and enabling); its id. */
  async function newAgentId() {
    const row = await createStaff(db, { email: `target-${randomUUID().slice(0, 8)}@example.com`, role: 'agent', password: PASSWORD });
    await addStaffToSites(db, row.id, [site.siteId]);
    return row.id;
  }

  /** A new topic of site A whose track record recommends a step (high cost, automatic, no record: step down); its name. */
  async function newRecommendedTopic() {
    const name = `matrix ${randomUUID().slice(0, 8)}`;
    await setTopic(db, CLI_ACTOR, { siteId: site.siteId, name, failureCost: 'high', autonomy: 'auto' });
    return name;
  }

  return { site, otherSite, staff, newConversation, newEscalation, assigneeFor, newCase, newDraft, newTicket, newIngestKeyId, newIdentitySecretId, newAgentId, newRecommendedTopic };
}
