/**
 * Who may call every tRPC procedure: one row per procedure of `appRouter`, with the outcome expected for
 * each caller and a minimal valid input that targets site A (or a row of it). authorization-matrix.test.ts
 * calls every procedure over HTTP as every caller and compares; a procedure without a row, or a row
 * without a procedure, fails it. A new procedure is one line here, usually a profile and an input:
 *
 *   'audit.list': { expect: staff(ADMINS), input: (w) => ({ siteId: w.site.siteId }) },
 *
 * Outcomes are tRPC error codes. A refused staff call on a site the caller is not a member of is
 * NOT_FOUND (never FORBIDDEN, which would say the site or row exists).
 */
import { randomBytes } from 'node:crypto';
import { userMessage } from '../test/fixtures';
import type { StaffMember, World } from './matrix-world';

/**
 * Who calls. Widget callers send `x-backstop-key` and Origin (and never the staff CSRF header, which a
 * page cannot send cross-site); staff callers send their session cookie and `x-backstop-csrf: 1`.
 */
export const CALLERS = [
  /** No key, no cookie, no Bearer (it does send the CSRF header: that is no credential). */
  'anonymous',
  /** Site A's public key from an origin on A's allowlist. */
  'widget',
  /** Site A's public key from an origin A does not allow. */
  'widgetForeignOrigin',
  /** Site B's public key from B's own origin, aiming at A's rows. */
  'otherSiteWidget',
  /** Staff members of site A. */
  'agent',
  'reviewer',
  'admin',
  /** Site A's admin, session cookie but no CSRF header (a cross-site form post). */
  'adminWithoutCsrf',
  /** An admin of site B only. */
  'outsiderAdmin',
  /** Site A's secret ingest key as `Authorization: Bearer`. */
  'ingestKey',
] as const;
export type Caller = (typeof CALLERS)[number];

/** Callers outside site A: an answer they are allowed must not name A or the row they aimed at. */
export const OUTSIDERS: readonly Caller[] = ['widgetForeignOrigin', 'otherSiteWidget', 'outsiderAdmin'];

export type Outcome = 'allow' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'BAD_REQUEST' | 'METHOD_NOT_SUPPORTED';
export type ProcedureType = 'query' | 'mutation' | 'subscription';
export type Expected = Record<Caller, Outcome>;

export interface MatrixRow {
  /** The outcome per caller; given the procedure's type, read from the router (CSRF applies to mutations). */
  expect: (type: ProcedureType) => Expected;
  /** A minimal valid input aimed at site A; `who` is the staff member calling, if any. Built fresh per call. */
  input?: (w: World, who: StaffMember | undefined) => unknown;
  /**
   * The call ends sessions or changes the account (login, logout, a password change): staff callers make it
   * as a new account of the same role and sites (`who` in `input`), so the shared ones stay signed in.
   */
  endsSession?: boolean;
  /** The input itself is the credential (a stream ticket): whoever holds it may read the row, outsiders included. */
  inputIsCredential?: boolean;
}

// ---- profiles

type Roles = Pick<Expected, 'agent' | 'reviewer' | 'admin'>;
/** Every staff role may read conversations and the Inbox. */
export const EVERY_ROLE: Roles = { agent: 'allow', reviewer: 'allow', admin: 'allow' };
/** Claim, reply, note, transfer, resolve: agents and admins. */
export const WORKERS: Roles = { agent: 'allow', reviewer: 'FORBIDDEN', admin: 'allow' };
/** Review: reviewers and admins. */
export const REVIEWERS: Roles = { agent: 'FORBIDDEN', reviewer: 'allow', admin: 'allow' };
/** Site settings. */
export const ADMINS: Roles = { agent: 'FORBIDDEN', reviewer: 'FORBIDDEN', admin: 'allow' };

/**
 * staffProcedure: a session is needed; mutations first need the CSRF header (so callers without it get
 * FORBIDDEN before their missing session is noticed). `outsider`: what site B's admin gets (NOT_FOUND
 * for anything of A; `allow` for procedures about the caller alone, e.g. staff.me).
 */
export const staff =
  (roles: Roles, outsider: Outcome = 'NOT_FOUND') =>
  (type: ProcedureType): Expected => {
    const mutation = type === 'mutation';
    const noSessionNoCsrf: Outcome = mutation ? 'FORBIDDEN' : 'UNAUTHORIZED';
    return {
      anonymous: 'UNAUTHORIZED',
      widget: noSessionNoCsrf,
      widgetForeignOrigin: noSessionNoCsrf,
      otherSiteWidget: noSessionNoCsrf,
      ingestKey: noSessionNoCsrf,
      ...roles,
      adminWithoutCsrf: mutation ? 'FORBIDDEN' : roles.admin,
      outsiderAdmin: outsider,
    };
  };

/** widgetProcedure: site A's key from an allowed origin. `otherSite`: site B's widget aiming at A's row. */
export const widget =
  (otherSite: Outcome) =>
  (): Expected => ({
    anonymous: 'UNAUTHORIZED',
    widget: 'allow',
    widgetForeignOrigin: 'FORBIDDEN',
    otherSiteWidget: otherSite,
    agent: 'UNAUTHORIZED',
    reviewer: 'UNAUTHORIZED',
    admin: 'UNAUTHORIZED',
    adminWithoutCsrf: 'UNAUTHORIZED',
    outsiderAdmin: 'UNAUTHORIZED',
    ingestKey: 'UNAUTHORIZED',
  });

/** csrfProcedure (sign-in, sign-out): anyone who sends the CSRF header with a JSON body. */
export const csrfOnly = (): Expected => ({
  anonymous: 'allow',
  widget: 'FORBIDDEN',
  widgetForeignOrigin: 'FORBIDDEN',
  otherSiteWidget: 'FORBIDDEN',
  agent: 'allow',
  reviewer: 'allow',
  admin: 'allow',
  adminWithoutCsrf: 'FORBIDDEN',
  outsiderAdmin: 'allow',
  ingestKey: 'FORBIDDEN',
});

/** ingestProcedure: site A's secret ingest key only. */
export const ingestOnly = (): Expected => ({ ...Object.fromEntries(CALLERS.map((c) => [c, 'UNAUTHORIZED'])), ingestKey: 'allow' }) as Expected;

/**
 * The widget's live stream: the stream ticket (from conversation.streamTicket, which needs the
 * conversation token) is the credential, so any holder may open it; a browser from an origin the
 * conversation's site does not allow is refused.
 */
export const ticketHolder = (): Expected => ({
  ...(Object.fromEntries(CALLERS.map((c) => [c, 'allow'])) as Expected),
  widgetForeignOrigin: 'FORBIDDEN',
  otherSiteWidget: 'FORBIDDEN',
});

// ---- inputs

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const siteId = (w: World) => ({ siteId: w.site.siteId });
const queued = async (w: World) => ({ escalationId: (await w.newEscalation()).escalationId });
/** An escalation claimed by the caller when it may work on A (else by A's agent), so the assignee's actions are allowed. */
const claimed = async (w: World, who: StaffMember | undefined) => ({ escalationId: (await w.newEscalation(w.assigneeFor(who))).escalationId });

// ---- the table

export const procedureMatrix: Record<string, MatrixRow> = {
  'site.config': { expect: widget('allow') }, // site B's widget gets B's own config
  'site.setHours': { expect: staff(ADMINS), input: (w) => ({ ...siteId(w), hours: null }) },
  'site.setWebhook': { expect: staff(ADMINS), input: (w) => ({ ...siteId(w), url: null }) },
  'site.webhookStatus': { expect: staff(ADMINS), input: siteId },

  // Conversation ids are unique across sites: site B's widget sending to A's conversation gets the answer of a
  // wrong token (NOT_FOUND, as on A itself, with no hint that the id exists), and nothing is stored.
  'signal.push': { expect: widget('NOT_FOUND'), input: async (w) => ({ items: [userMessage(await w.newConversation(), 'One more thing')] }) },

  'staff.login': { expect: csrfOnly, input: (w) => ({ email: w.staff.loginProbe.email, password: 'correct horse battery staple' }), endsSession: true },
  'staff.logout': { expect: csrfOnly, endsSession: true },
  'staff.me': { expect: staff(EVERY_ROLE, 'allow') },
  'staff.list': { expect: staff(EVERY_ROLE), input: siteId },
  // One's own password: every role, outsiders too (it is about the caller alone); made as a twin account.
  'staff.changePassword': { expect: staff(EVERY_ROLE, 'allow'), input: () => ({ currentPassword: 'correct horse battery staple', newPassword: 'another long passphrase' }), endsSession: true },
  'staff.disable': { expect: staff(ADMINS), input: async (w) => ({ staffId: await w.newAgentId() }) },
  'staff.enable': { expect: staff(ADMINS), input: async (w) => ({ staffId: await w.newAgentId() }) },

  'ingestKey.list': { expect: staff(ADMINS), input: siteId },
  'ingestKey.create': { expect: staff(ADMINS), input: (w) => ({ ...siteId(w), name: 'matrix' }) },
  'ingestKey.revoke': { expect: staff(ADMINS), input: async (w) => ({ ...siteId(w), keyId: await w.newIngestKeyId() }) },
  'audit.list': { expect: staff(ADMINS), input: siteId },
  'topic.list': { expect: staff(EVERY_ROLE), input: siteId },
  'topic.set': { expect: staff(ADMINS), input: (w) => ({ ...siteId(w), name: 'matrix', autonomy: 'suggest_handoff' }) },
  'topic.undefinedSeen': { expect: staff(EVERY_ROLE), input: siteId },
  'topic.settings': { expect: staff(EVERY_ROLE), input: siteId },
  'topic.setSettings': { expect: staff(ADMINS), input: (w) => ({ ...siteId(w), settings: { stepDownWindowDays: 14 } }) },

  'identity.settings': { expect: staff(ADMINS), input: siteId },
  'identity.rotateSecret': { expect: staff(ADMINS), input: (w) => ({ ...siteId(w), graceHours: 1 }) },
  'identity.revokeSecret': { expect: staff(ADMINS), input: async (w) => ({ ...siteId(w), secretId: await w.newIdentitySecretId() }) },
  'identity.setMode': { expect: staff(ADMINS), input: (w) => ({ ...siteId(w), mode: 'optional' }) },
  // The conversation's token is the credential; site B's widget aiming at A's conversation is not told it exists.
  'identity.verify': { expect: widget('NOT_FOUND'), input: async (w) => ({ ...(await w.newConversation()), userId: 'u_matrix', name: 'Ada' }) },

  'escalation.list': { expect: staff(EVERY_ROLE), input: siteId },
  'escalation.byId': { expect: staff(EVERY_ROLE), input: queued },
  'escalation.claim': { expect: staff(WORKERS), input: queued },
  'escalation.unclaim': { expect: staff(WORKERS), input: claimed },
  'escalation.transfer': { expect: staff(WORKERS), input: async (w, who) => ({ ...(await claimed(w, who)), toStaffId: w.staff.agent2.id }) },
  'escalation.reply': { expect: staff(WORKERS), input: async (w, who) => ({ ...(await claimed(w, who)), text: 'On it.' }) },
  'escalation.note': { expect: staff(WORKERS), input: async (w) => ({ ...(await queued(w)), text: 'Asked billing.' }) },
  'escalation.resolve': { expect: staff(WORKERS), input: async (w, who) => ({ ...(await claimed(w, who)), outcome: 'resolved' }) },
  // The Inbox stream of the caller's own sites: an outsider's stream is open but carries nothing of A.
  'escalation.onInbox': { expect: staff(EVERY_ROLE, 'allow'), input: () => ({ lastEventId: '0' }) },

  // The review queue: every role reads it (as it reads conversations); opening starts the reading time a
  // decision records, so opening and deciding are for agents and admins.
  'draft.list': { expect: staff(EVERY_ROLE), input: siteId },
  'draft.open': { expect: staff(WORKERS), input: (w) => w.newDraft() },
  'draft.approve': { expect: staff(WORKERS), input: (w) => w.newDraft() },
  'draft.edit': { expect: staff(WORKERS), input: async (w) => ({ ...(await w.newDraft()), text: 'Refunds take 5 days.' }) },
  'draft.reject': { expect: staff(WORKERS), input: async (w) => ({ ...(await w.newDraft()), text: 'A colleague will write to you.' }) },

  'conversation.byId': { expect: widget('NOT_FOUND'), input: (w) => w.newConversation() },
  // A verified user's list; an identity that does not verify gets an empty list (site B's widget gets B's: empty).
  'conversation.mine': { expect: widget('allow'), input: () => ({ userId: 'u_matrix', token: 'f'.repeat(64) }) },
  'conversation.streamTicket': { expect: widget('NOT_FOUND'), input: (w) => w.newConversation() },
  'conversation.onEvent': {
    expect: ticketHolder,
    input: async (w) => ({ ticket: await w.newTicket(), lastEventId: '0' }),
    inputIsCredential: true,
  },

  'trace.record': { expect: ingestOnly, input: () => ({ spans: [{ traceId: hex(16), spanId: hex(8), name: 'chat', start: Date.now(), durationMs: 5 }] }) },

  'review.overview': { expect: staff(REVIEWERS), input: siteId },
  'review.calibration': { expect: staff(REVIEWERS), input: siteId },
  'review.cases': { expect: staff(REVIEWERS), input: siteId },
  'review.byId': { expect: staff(REVIEWERS), input: async (w) => ({ caseId: await w.newCase() }) },
  'review.label': { expect: staff(REVIEWERS), input: async (w) => ({ caseId: await w.newCase(), mode: 'tool_failure' }) },
  'review.alerts': { expect: staff(REVIEWERS), input: siteId },
  'review.filters': { expect: staff(REVIEWERS), input: siteId },
  'badges.get': { expect: staff(REVIEWERS), input: siteId },
  'badges.set': { expect: staff(ADMINS), input: (w) => ({ ...siteId(w), calibrationTarget: 0.9 }) },
  'badges.refit': { expect: staff(ADMINS), input: siteId },
  'readiness.get': { expect: staff(EVERY_ROLE), input: siteId },

  // The track record names reviewers and their review speed: reviewers and admins, as Review.
  'trust.trackRecord': { expect: staff(REVIEWERS), input: siteId },
  'trust.applyRecommendation': { expect: staff(ADMINS), input: async (w) => ({ ...siteId(w), topic: await w.newRecommendedTopic(), autonomy: 'human_review' }) },
};

