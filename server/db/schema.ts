/** The database schema (drizzle, PostgreSQL dialect: the same tables on PGlite and PostgreSQL). */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, real, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { SitePolicy } from '../../shared/schemas';
import type { SiteHours } from '../../shared/handoff';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** Server-wide secrets and flags that must survive restarts and be shared by every instance. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const sites = pgTable('sites', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  publicKey: text('public_key').notNull().unique(),
  /** sha256 of the secret ingest key; the key itself is shown once at creation. */
  ingestKeyHash: text('ingest_key_hash').notNull(),
  allowedOrigins: jsonb('allowed_origins').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  /** Whether requests without an Origin header (an agent backend, a proxy) may use the widget API. */
  allowServerSenders: boolean('allow_server_senders').notNull().default(false),
  /** Support hours; null means always staffed when someone is signed in. */
  hours: jsonb('hours').$type<SiteHours>(),
  policy: jsonb('policy').$type<SitePolicy>().notNull(),
  createdAt: createdAt(),
});

export const staff = pgTable('staff', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  role: text('role', { enum: ['admin', 'agent', 'reviewer'] }).notNull(),
  /** scrypt$N$r$p$salt$hash */
  passwordHash: text('password_hash').notNull(),
  /** Shown to end users ("Maya from Support joined"); defaults to the email's local part. */
  displayName: text('display_name'),
  createdAt: createdAt(),
});

/** A conversation is minted by the widget; its token's hash is bound on first sight. */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('conversations_site_idx').on(t.siteId, t.createdAt)],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
    clientEventId: uuid('client_event_id').notNull(),
    role: text('role', { enum: ['user', 'agent', 'human'] }).notNull(),
    text: text('text').notNull(),
    /** The agent's own id for its answer. */
    answerId: text('answer_id'),
    confidence: real('confidence'),
    traceId: text('trace_id'),
    spanId: text('span_id'),
    topic: text('topic'),
    sources: jsonb('sources').$type<{ title: string; url: string }[]>(),
    error: text('error'),
    /** The staff member who wrote a `human` message. */
    staffId: uuid('staff_id').references(() => staff.id, { onDelete: 'set null' }),
    /** sha256 of the signal body as sent: a replay must match it, or it is a conflict. */
    bodyHash: text('body_hash').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('messages_site_event_uq').on(t.siteId, t.clientEventId),
    index('messages_conversation_idx').on(t.conversationId, t.sentAt),
    index('messages_trace_idx').on(t.traceId),
  ],
);

export const feedback = pgTable(
  'feedback',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Arrival order (rows of one batch share created_at); exports page by it. */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull().unique(),
    // site_id and conversation_id are those of the rated message, which has the foreign keys (and the
    // cascade); checking them again per feedback row cost a fifth of the insert and serialised batches on the site row.
    siteId: uuid('site_id').notNull(),
    conversationId: uuid('conversation_id').notNull(),
    messageId: uuid('message_id').notNull().references(() => messages.id, { onDelete: 'cascade' }),
    clientEventId: uuid('client_event_id').notNull(),
    rating: smallint('rating').notNull(),
    reasons: jsonb('reasons').$type<string[]>().notNull(),
    comment: text('comment'),
    pageUrl: text('page_url'),
    userAgent: text('user_agent'),
    /** Copied from the rated message so review queries need no join. */
    traceId: text('trace_id'),
    confidence: real('confidence'),
    topic: text('topic'),
    bodyHash: text('body_hash').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('feedback_site_event_uq').on(t.siteId, t.clientEventId),
    index('feedback_site_created_idx').on(t.siteId, t.createdAt),
    index('feedback_message_idx').on(t.messageId, t.sentAt),
  ],
);

/** Feedback the widget had to drop past its outbox cap, as reported with the next batch. */
export const droppedSignals = pgTable(
  'dropped_signals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    /** The widget's id for this report, so a retried batch does not count the same drops twice. */
    reportId: uuid('report_id'),
    kind: text('kind').notNull(),
    count: integer('count').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('dropped_signals_site_report_uq').on(t.siteId, t.reportId)],
);


/** Which sites a staff member works on; every staff procedure checks it. */
export const staffSites = pgTable(
  'staff_sites',
  {
    staffId: uuid('staff_id').notNull().references(() => staff.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.siteId] }), index('staff_sites_site_idx').on(t.siteId)],
);

/** Staff sign-in sessions. Only the sha256 of the session id is stored; the id itself lives in the cookie. */
export const staffSessions = pgTable(
  'staff_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    staffId: uuid('staff_id').notNull().references(() => staff.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('staff_sessions_staff_idx').on(t.staffId)],
);

/** A live Inbox subscription: staff with a fresh row count as online for their sites, on any instance. */
export const staffPresence = pgTable(
  'staff_presence',
  {
    id: uuid('id').primaryKey(),
    staffId: uuid('staff_id').notNull().references(() => staff.id, { onDelete: 'cascade' }),
    seenAt: timestamp('seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('staff_presence_staff_idx').on(t.staffId, t.seenAt)],
);

/** A request for a person; at most one open (queued or claimed) per conversation. */
export const escalations = pgTable(
  'escalations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
    trigger: text('trigger', { enum: ['user', 'low_confidence', 'agent', 'repeated_negative'] }).notNull(),
    note: text('note'),
    status: text('status', { enum: ['queued', 'claimed', 'resolved'] }).notNull().default('queued'),
    assigneeId: uuid('assignee_id').references(() => staff.id, { onDelete: 'set null' }),
    outcome: text('outcome', { enum: ['resolved', 'agent_was_right', 'agent_was_wrong', 'no_response'] }),
    contactEmail: text('contact_email'),
    pageUrl: text('page_url'),
    /** What the host page claimed about the user; not verified. */
    claimedIdentity: jsonb('claimed_identity').$type<Record<string, string>>(),
    createdAt: createdAt(),
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }),
    firstHumanReplyAt: timestamp('first_human_reply_at', { withTimezone: true, mode: 'date' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('escalations_open_conversation_uq').on(t.conversationId).where(sql`status <> 'resolved'`),
    index('escalations_site_status_idx').on(t.siteId, t.status, t.createdAt),
  ],
);

/** Each widget request for a person, once per clientEventId; several may join one escalation. */
export const escalationRequests = pgTable(
  'escalation_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    escalationId: uuid('escalation_id').notNull().references(() => escalations.id, { onDelete: 'cascade' }),
    clientEventId: uuid('client_event_id').notNull(),
    trigger: text('trigger').notNull(),
    note: text('note'),
    bodyHash: text('body_hash').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('escalation_requests_site_event_uq').on(t.siteId, t.clientEventId), index('escalation_requests_escalation_idx').on(t.escalationId)],
);

/** Internal notes on an escalation: staff only, never sent to the widget. */
export const escalationNotes = pgTable(
  'escalation_notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    escalationId: uuid('escalation_id').notNull().references(() => escalations.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id').references(() => staff.id, { onDelete: 'set null' }),
    text: text('text').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('escalation_notes_escalation_idx').on(t.escalationId, t.createdAt)],
);

/**
 * The event log: the source of truth for live updates. Ids are handed out in commit order (appends
 * take a transaction-level advisory lock), so a reader that has seen id N has seen every event ≤ N.
 */
export const events = pgTable(
  'events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    siteId: uuid('site_id').notNull(),
    conversationId: uuid('conversation_id'),
    escalationId: uuid('escalation_id'),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** `widget`: the end user may see it (and staff do); `staff`: staff only (internal notes). */
    audience: text('audience', { enum: ['widget', 'staff'] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('events_site_idx').on(t.siteId, t.id), index('events_conversation_idx').on(t.conversationId, t.id)],
);

/** A site's webhook: where escalation events are POSTed, and the secret their signatures use. */
export const siteWebhooks = pgTable('site_webhooks', {
  siteId: uuid('site_id').primaryKey().references(() => sites.id, { onDelete: 'cascade' }),
  url: text('url').notNull(),
  /** Kept in clear: the server must sign with it. Shown to the admin once, when generated. */
  secret: text('secret').notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * The webhook outbox and its queue: a row is enqueued in the same transaction as the change it reports,
 * and workers on any instance claim due rows (skipping rows another worker holds) until sent or given up.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    /** The exact JSON body sent on every attempt (the signature covers it). */
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** A worker's claim: until then no other worker takes the row (a crashed worker's claim simply lapses). */
    lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('webhook_deliveries_site_idx').on(t.siteId, t.createdAt),
  ],
);
