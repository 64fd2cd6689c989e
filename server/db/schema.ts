/** The database schema (drizzle, PostgreSQL dialect: the same tables on PGlite and PostgreSQL). */
import { sql } from 'drizzle-orm';
import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, real, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { SitePolicy } from '../../shared/schemas';
import type { SiteHours } from '../../shared/handoff';
import type { CaseModeVerdict, FailureMode, SpanEvent, TraceSummary } from '../../shared/traces';
import type { TrustSettings } from '../../shared/trust';

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
  /** Whether personal data and secrets are replaced by typed placeholders before storage (on by default). */
  redactPii: boolean('redact_pii').notNull().default(true),
  /**
   * End-user identity: `optional` keeps unverified identities as claims (shown to staff as unverified);
   * `required` treats an unverified identify call as anonymous.
   */
  identityMode: text('identity_mode', { enum: ['optional', 'required'] }).notNull().default('optional'),
  /** The trust framework's settings (default topic policy, recommendation and calibration parameters); parsed with defaults by shared/trust.ts. */
  trust: jsonb('trust').$type<Partial<TrustSettings>>().notNull().default(sql`'{}'::jsonb`),
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
  /** Set when an admin disables the account: its sessions end and it cannot sign in. */
  disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
  createdAt: createdAt(),
});

/** A conversation is minted by the widget; its token's hash is bound on first sight. */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    /** The end user's id from the host's `identify` call: verified (signed by the site's server) or a claim. */
    userId: text('user_id'),
    userVerified: boolean('user_verified').notNull().default(false),
    /** name / email as given with the identity; shown to staff, marked unverified unless `userVerified`. */
    userClaims: jsonb('user_claims').$type<Record<string, string>>(),
    createdAt: createdAt(),
  },
  (t) => [
    index('conversations_site_idx').on(t.siteId, t.createdAt),
    // A verified user's earlier conversations, on any device.
    index('conversations_verified_user_idx').on(t.siteId, t.userId, t.createdAt).where(sql`user_verified`),
  ],
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
    // Review counts answers per site and time range; the Track record counts them per topic too (index-only with topic in it).
    index('messages_site_answers_topic_idx').on(t.siteId, t.sentAt, t.topic).where(sql`role = 'agent'`),
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

/**
 * Spans reported by agent backends (OTLP/HTTP or `trace.record`). Ids are lowercase hex, the form the
 * widget receives with each answer; (site, trace, span) is the key, so an exporter's retry stores nothing twice.
 */
export const spans = pgTable(
  'spans',
  {
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    traceId: text('trace_id').notNull(),
    spanId: text('span_id').notNull(),
    parentSpanId: text('parent_span_id'),
    name: text('name').notNull(),
    /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
    kind: smallint('kind').notNull().default(0),
    startTime: timestamp('start_time', { withTimezone: true, mode: 'date' }).notNull(),
    /** Duration in milliseconds with sub-millisecond precision (timestamps keep microseconds only). */
    durationMs: doublePrecision('duration_ms').notNull(),
    /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
    statusCode: smallint('status_code').notNull().default(0),
    statusMessage: text('status_message'),
    /** Read from the GenAI conventions (`gen_ai.*`) and `backstop.*` attributes, for queries without jsonb. */
    operation: text('operation'),
    model: text('model'),
    toolName: text('tool_name'),
    errorType: text('error_type'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    /** Every attribute as a flat object (bounded in count and size on ingestion), resource attributes under `resource`. */
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull(),
    events: jsonb('events').$type<SpanEvent[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.traceId, t.spanId] })],
);

/** One row per trace: its summary, recomputed from all its spans whenever some arrive. */
export const traces = pgTable(
  'traces',
  {
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    traceId: text('trace_id').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    summary: jsonb('summary').$type<TraceSummary>().notNull(),
    model: text('model'),
    release: text('release'),
    topic: text('topic'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.traceId] })],
);

/**
 * Review cases, a read model kept by the review projector: one row per rating of an agent answer and one
 * per escalation. Negative cases carry the automatic classification and, once a reviewer has looked, the
 * human label; both are kept. Denormalised so every Review query reads one table.
 */
export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    source: text('source', { enum: ['feedback', 'escalation'] }).notNull(),
    /** The feedback or escalation row this case is about. */
    sourceId: uuid('source_id').notNull().unique(),
    conversationId: uuid('conversation_id').notNull(),
    /** The rated agent answer (for an escalation: the last agent answer before it), if any. */
    messageId: uuid('message_id'),
    traceId: text('trace_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** 1 helpful, -1 not helpful; null for escalations. */
    rating: smallint('rating'),
    reasons: jsonb('reasons').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    comment: text('comment'),
    confidence: real('confidence'),
    topic: text('topic'),
    release: text('release'),
    model: text('model'),
    /** Whether the conversation was handed to a person at or after this answer. */
    escalated: boolean('escalated').notNull().default(false),
    /** The human outcome of the escalation, when resolved. */
    outcome: text('outcome'),
    /** Not helpful, an escalation, or an outcome `agent_was_wrong`: these get a failure mode. */
    negative: boolean('negative').notNull(),
    autoMode: text('auto_mode').$type<FailureMode>(),
    /** Every mode that applied, primary first, each with its confidence, rationale and evidence span. */
    autoModes: jsonb('auto_modes').$type<CaseModeVerdict[]>(),
    autoConfidence: real('auto_confidence'),
    rationale: text('rationale'),
    evidenceSpanId: text('evidence_span_id'),
    humanMode: text('human_mode').$type<FailureMode>(),
    humanNote: text('human_note'),
    labelledBy: uuid('labelled_by').references(() => staff.id, { onDelete: 'set null' }),
    labelledAt: timestamp('labelled_at', { withTimezone: true, mode: 'date' }),
    /** The mode Review counts: the human label where there is one, else the automatic one. */
    mode: text('mode').$type<FailureMode>().generatedAlwaysAs(sql`coalesce(human_mode, auto_mode)`),
    /** Null while the case waits for (re)classification: new, or its trace or outcome changed. */
    classifiedAt: timestamp('classified_at', { withTimezone: true, mode: 'date' }),
    /**
     * A newer rating of the same answer by the user exists (they changed their mind): Review counts only the
     * newest rating of an answer, by the user's rating time (`feedback.sent_at`) then arrival (`feedback.seq`).
     * Kept by the review projector (case-feed.ts); always false for escalations.
     */
    superseded: boolean('superseded').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index('cases_site_time_idx').on(t.siteId, t.occurredAt.desc(), t.id.desc()),
    index('cases_site_mode_time_idx').on(t.siteId, t.mode, t.occurredAt.desc(), t.id.desc()),
    // Review's aggregates (overview, calibration) read only these columns over a time range: with all of
    // them in the index they are index-only scans, a third of the pages of the table (bench/review.ts).
    // Every aggregate counts current ratings only, so the index holds only those (its predicate needs no column).
    index('cases_site_time_stats_idx')
      .on(t.siteId, t.occurredAt, t.source, t.rating, t.negative, t.mode, t.autoMode, t.humanMode, t.messageId, t.confidence, t.topic, t.release)
      .where(sql`NOT superseded`),
    // The case list walks (site, time) newest first and checks other filters row by row; a filter value that is
    // rare, old or absent in the range would read most of it. These serve those filters as one index range each.
    index('cases_site_topic_time_idx').on(t.siteId, t.topic, t.occurredAt.desc(), t.id.desc()).where(sql`NOT superseded`),
    index('cases_site_release_time_idx').on(t.siteId, t.release, t.occurredAt.desc(), t.id.desc()).where(sql`NOT superseded`),
    index('cases_site_model_time_idx').on(t.siteId, t.model, t.occurredAt.desc(), t.id.desc()).where(sql`NOT superseded`),
    index('cases_site_human_time_idx').on(t.siteId, t.occurredAt.desc(), t.id.desc()).where(sql`human_mode IS NOT NULL AND NOT superseded`),
    index('cases_site_escalated_time_idx').on(t.siteId, t.occurredAt.desc(), t.id.desc()).where(sql`escalated AND NOT superseded`),
    index('cases_site_trace_idx').on(t.siteId, t.traceId),
    index('cases_conversation_idx').on(t.conversationId),
    index('cases_unclassified_idx').on(t.createdAt).where(sql`classified_at IS NULL`),
  ],
);

/** Alerts raised when an hourly rate jumps above its baseline; one per (site, topic, metric, hour). */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    /** '' for the whole site. */
    topic: text('topic').notNull().default(''),
    metric: text('metric', { enum: ['negative_rate', 'escalation_rate'] }).notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true, mode: 'date' }).notNull(),
    observedCount: integer('observed_count').notNull(),
    observedTotal: integer('observed_total').notNull(),
    observedRate: doublePrecision('observed_rate').notNull(),
    baselineRate: doublePrecision('baseline_rate').notNull(),
    baselineTotal: integer('baseline_total').notNull(),
    /** Plain-words statement: metric, window, baseline and observed rate. */
    message: text('message').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('alerts_site_metric_window_uq').on(t.siteId, t.topic, t.metric, t.windowStart),
    index('alerts_site_time_idx').on(t.siteId, t.windowStart),
  ],
);

/**
 * Secret ingest keys of a site (agent backends: OTLP, trace.record): several per site, named, revocable.
 * Only the sha256 of a key is stored; the key is shown once when it is created.
 */
export const ingestKeys = pgTable(
  'ingest_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    createdBy: uuid('created_by').references(() => staff.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('ingest_keys_site_idx').on(t.siteId)],
);

/** Every staff action that changes data: who, what, when, from where. Append-only; admins read it. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Null for actions outside any site (staff accounts, sign-in). */
    siteId: uuid('site_id').references(() => sites.id, { onDelete: 'set null' }),
    /** Null when done from the command line or by the system. */
    staffId: uuid('staff_id').references(() => staff.id, { onDelete: 'set null' }),
    /** The actor as a readable string at the time (email or `cli`), kept when the account is gone. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_site_idx').on(t.siteId, t.id), index('audit_log_created_idx').on(t.createdAt)],
);

/** Failed staff sign-ins, for throttling per account and per address on every instance. */
export const loginFailures = pgTable(
  'login_failures',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The email as typed, normalised (lower case); unknown accounts are throttled like known ones. */
    email: text('email').notNull(),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [index('login_failures_email_idx').on(t.email, t.createdAt), index('login_failures_ip_idx').on(t.ip, t.createdAt)],
);

/**
 * Secrets a site's server signs end-user identity tokens with (JWT HS256 or HMAC-SHA256 of the user id).
 * Kept in clear (verification needs them), shown to admins once at creation. Rotation gives the old secret
 * an `expiresAt` (the grace period) instead of removing it, so tokens signed just before stay valid.
 */
export const siteIdentitySecrets = pgTable(
  'site_identity_secrets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    secret: text('secret').notNull(),
    createdBy: uuid('created_by').references(() => staff.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    /** Null while current; set on rotation (now + grace) or revocation (now). */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('site_identity_secrets_site_idx').on(t.siteId)],
);

/** A site's task categories and the policy for each: failure cost, success criterion, autonomy. */
export const topics = pgTable(
  'topics',
  {
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Null until an admin sets it (the readiness check "failure-cost mapping" counts these). */
    failureCost: text('failure_cost', { enum: ['low', 'high'] }),
    autonomy: text('autonomy', { enum: ['auto', 'suggest_handoff', 'human_review'] }).notNull().default('auto'),
    criterion: text('criterion'),
    updatedBy: text('updated_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.name] })],
);

/**
 * An agent answer held back under `human_review`: the widget never receives its text before a decision.
 * The message row keeps the agent's original; the decision's text (approved, edited or the replacement)
 * is what the widget shows. `openMs` is how long the deciding reviewer had it open (rubber-stamp guard).
 */
export const drafts = pgTable(
  'drafts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id').notNull().unique().references(() => messages.id, { onDelete: 'cascade' }),
    topic: text('topic'),
    confidence: real('confidence'),
    traceId: text('trace_id'),
    status: text('status', { enum: ['pending', 'approved', 'edited', 'rejected'] }).notNull().default('pending'),
    /** The text the user sees after the decision: the agent's (approved), the edit, or the replacement (rejected). */
    finalText: text('final_text'),
    decidedBy: uuid('decided_by').references(() => staff.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    /** When a reviewer first opened the draft, and how long it was open before the decision. */
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }),
    openMs: integer('open_ms'),
    createdAt: createdAt(),
  },
  (t) => [
    index('drafts_site_status_idx').on(t.siteId, t.status, t.createdAt),
    index('drafts_site_decided_idx').on(t.siteId, t.decidedAt),
  ],
);

/** Badge thresholds fitted from a site's outcomes (site-wide: topic ''), with the fitted curve shown to admins. */
export const calibratedThresholds = pgTable(
  'calibrated_thresholds',
  {
    siteId: uuid('site_id').notNull().references(() => sites.id, { onDelete: 'cascade' }),
    topic: text('topic').notNull().default(''),
    high: real('high').notNull(),
    low: real('low').notNull(),
    /** Rated answers the fit used. */
    samples: integer('samples').notNull(),
    /** The monotone fit: [{ confidence, helpfulRate, n }] from low to high. */
    curve: jsonb('curve').$type<{ confidence: number; helpfulRate: number; n: number }[]>().notNull(),
    fittedAt: timestamp('fitted_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.topic] })],
);
