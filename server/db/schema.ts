/** The database schema (drizzle, PostgreSQL dialect: the same tables on PGlite and PostgreSQL). */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, real, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { SitePolicy } from '../../shared/schemas';

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
  policy: jsonb('policy').$type<SitePolicy>().notNull(),
  createdAt: createdAt(),
});

export const staff = pgTable('staff', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  role: text('role', { enum: ['admin', 'agent', 'reviewer'] }).notNull(),
  /** scrypt$N$r$p$salt$hash */
  passwordHash: text('password_hash').notNull(),
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

