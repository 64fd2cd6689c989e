/**
 * Stores a batch of widget signals (messages, feedback) exactly once.
 *
 * A batch is atomic: it runs in one transaction and either every item is stored (or recognised as a
 * replay) or nothing is, with the refused items named by index so the widget can set them aside and
 * resend the rest. Each table gets one multi-row INSERT … ON CONFLICT DO NOTHING per batch; replays
 * are told apart from conflicting reuse of an id by a hash of the item's body.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { MAX_BATCH_ITEMS, MAX_SIGNAL_BYTES } from '../../shared/limits';
import type { EscalationSignal, FeedbackSignal, MessageSignal, Signal, SignalBatch, SignalResult } from '../../shared/schemas';
import type { Db } from '../db/client';
import { conversations, droppedSignals, feedback, messages } from '../db/schema';
import { FieldError } from './errors';
import { storeHandoffSignals } from './escalations';
import { sameDigest, sha256 } from './secrets';
import { createSignalCache, type BoundConversation, type RatedMessage, type SignalCache } from './signal-cache';

export interface SignalContext {
  siteId: string;
  userAgent: string | null;
  /** Shared across requests of one server; a fresh one (no reuse) when absent. */
  cache?: SignalCache;
}

/** Cache entries learnt inside a transaction, applied once it commits. */
interface Learnt {
  conversations: [string, BoundConversation][];
  messages: [string, RatedMessage][];
}

type Indexed<T> = { index: number; item: T; hash: string };

/** Checks the per-item and per-batch size limits, on the items as serialised JSON, before any work is done. */
export function checkBatchLimits(bodies: readonly string[]): void {
  if (bodies.length > MAX_BATCH_ITEMS)
    throw new FieldError('PAYLOAD_TOO_LARGE', `A batch may hold at most ${MAX_BATCH_ITEMS} signals; this one has ${bodies.length}.`, {
      items: `at most ${MAX_BATCH_ITEMS} signals`,
    });
  const fields: Record<string, string> = {};
  bodies.forEach((body, i) => {
    const bytes = Buffer.byteLength(body);
    if (bytes > MAX_SIGNAL_BYTES) fields[`items.${i}`] = `signal is ${bytes} bytes; the limit is ${MAX_SIGNAL_BYTES} bytes (16 KiB)`;
  });
  if (Object.keys(fields).length > 0) throw new FieldError('PAYLOAD_TOO_LARGE', 'A signal is larger than the 16 KiB limit.', fields);
}

export async function storeSignals(db: Db, ctx: SignalContext, batch: SignalBatch): Promise<SignalResult[]> {
  // Serialised once: for the size limit and for the body hash that tells replays from conflicts.
  const bodies = batch.items.map((item) => JSON.stringify(item));
  checkBatchLimits(bodies);
  const msgs: Indexed<MessageSignal>[] = [];
  const fbs: Indexed<FeedbackSignal>[] = [];
  const escs: Indexed<EscalationSignal>[] = [];
  batch.items.forEach((item, index) => {
    const entry = { index, item, hash: sha256(bodies[index]!) };
    if (item.kind === 'message') msgs.push(entry as Indexed<MessageSignal>);
    else if (item.kind === 'escalation') escs.push(entry as Indexed<EscalationSignal>);
    else fbs.push(entry as Indexed<FeedbackSignal>);
  });
  checkUniqueIds(batch.items);

  const cache = ctx.cache ?? createSignalCache(0);
  const learnt: Learnt = { conversations: [], messages: [] };
  const results = await db.transaction(async (tx) => {
    await bindConversations(tx as unknown as Db, ctx.siteId, batch.items, cache, learnt);
    const statuses = new Map<number, SignalResult['status']>();
    if (msgs.length) for (const [i, s] of await insertMessages(tx as unknown as Db, ctx, msgs, learnt)) statuses.set(i, s);
    if (fbs.length) for (const [i, s] of await insertFeedback(tx as unknown as Db, ctx, fbs, cache, learnt)) statuses.set(i, s);
    // Escalation requests, and the live events staff follow (new handoffs, user messages to a person).
    for (const [i, s] of await storeHandoffSignals(tx as unknown as Db, ctx.siteId, escs, msgs, statuses)) statuses.set(i, s);
    if (batch.dropped && batch.dropped.feedback > 0)
      await tx
        .insert(droppedSignals)
        .values({ siteId: ctx.siteId, reportId: batch.dropped.reportId ?? null, kind: 'feedback', count: batch.dropped.feedback })
        // A retried batch repeats its report id: counted once.
        .onConflictDoNothing({ target: [droppedSignals.siteId, droppedSignals.reportId] });
    return batch.items.map((item, i) => ({ clientEventId: item.clientEventId, status: statuses.get(i) ?? 'stored' }));
  });
  for (const [k, v] of learnt.conversations) cache.conversations.set(k, v);
  for (const [k, v] of learnt.messages) cache.messages.set(k, v);
  return results;
}

function checkUniqueIds(items: readonly Signal[]): void {
  const seen = new Map<string, number>();
  const fields: Record<string, string> = {};
  items.forEach((item, i) => {
    const key = `${item.kind}:${item.clientEventId}`;
    if (seen.has(key)) fields[`items.${i}.clientEventId`] = `repeats the clientEventId of items.${seen.get(key)}`;
    else seen.set(key, i);
  });
  if (Object.keys(fields).length) throw new FieldError('BAD_REQUEST', 'A batch may not hold the same signal twice.', fields);
}

/** Registers unseen conversations with their token's hash; refuses items whose token or site does not match. */
async function bindConversations(db: Db, siteId: string, items: readonly Signal[], cache: SignalCache, learnt: Learnt): Promise<void> {
  // Each item's own token is checked; hashes are memoised because a batch mostly repeats one token.
  const hashes = new Map<string, string>();
  const hashOf = (token: string) => hashes.get(token) ?? hashes.set(token, sha256(token)).get(token)!;
  const tokens = new Map<string, string>();
  for (const item of items) if (!tokens.has(item.conversationId)) tokens.set(item.conversationId, hashOf(item.conversationToken));
  const known = new Map<string, BoundConversation>();
  for (const id of tokens.keys()) {
    const hit = cache.conversations.get(id);
    if (hit) known.set(id, hit);
  }
  const unseen = [...tokens].filter(([id]) => !known.has(id));
  if (unseen.length) {
    await db
      .insert(conversations)
      .values(unseen.map(([id, tokenHash]) => ({ id, siteId, tokenHash })))
      .onConflictDoNothing({ target: conversations.id });
    const rows = await db
      .select({ id: conversations.id, siteId: conversations.siteId, tokenHash: conversations.tokenHash })
      .from(conversations)
      .where(inArray(conversations.id, unseen.map(([id]) => id)));
    for (const { id, ...bound } of rows) {
      known.set(id, bound);
      learnt.conversations.push([id, bound]);
    }
  }
  const fields: Record<string, string> = {};
  items.forEach((item, i) => {
    const row = known.get(item.conversationId);
    if (!row || row.siteId !== siteId || !sameDigest(row.tokenHash, hashOf(item.conversationToken)))
      fields[`items.${i}.conversationToken`] = 'does not match this conversation';
  });
  if (Object.keys(fields).length) throw new FieldError('FORBIDDEN', 'A conversation token does not match its conversation.', fields);
}

/** Statuses by item index; throws CONFLICT if an already-stored id arrives with a different body. */
async function resolveReplays(
  entries: Indexed<Signal>[],
  insertedIds: Set<string>,
  existingHashes: (ids: string[]) => Promise<Map<string, string>>,
): Promise<Map<number, SignalResult['status']>> {
  const statuses = new Map<number, SignalResult['status']>();
  const replays = entries.filter((e) => !insertedIds.has(e.item.clientEventId));
  for (const e of entries) if (insertedIds.has(e.item.clientEventId)) statuses.set(e.index, 'stored');
  if (replays.length === 0) return statuses;
  const hashes = await existingHashes(replays.map((e) => e.item.clientEventId));
  const fields: Record<string, string> = {};
  for (const e of replays) {
    if (hashes.get(e.item.clientEventId) === e.hash) statuses.set(e.index, 'duplicate');
    else fields[`items.${e.index}.clientEventId`] = `event ${e.item.clientEventId} was already recorded with a different body`;
  }
  if (Object.keys(fields).length)
    throw new FieldError('CONFLICT', 'An event id was reused with a different body; each signal needs its own clientEventId.', fields);
  return statuses;
}

async function insertMessages(db: Db, ctx: SignalContext, entries: Indexed<MessageSignal>[], learnt: Learnt) {
  const inserted = await db
    .insert(messages)
    .values(
      entries.map(({ item, hash }) => ({
        siteId: ctx.siteId,
        conversationId: item.conversationId,
        clientEventId: item.clientEventId,
        role: item.role,
        text: item.text,
        answerId: item.answer?.id ?? null,
        confidence: item.answer?.confidence ?? null,
        traceId: item.answer?.traceId ?? null,
        spanId: item.answer?.spanId ?? null,
        topic: item.answer?.topic ?? null,
        sources: item.answer?.sources ?? null,
        error: item.error ?? null,
        bodyHash: hash,
        sentAt: new Date(item.createdAt),
      })),
    )
    .onConflictDoNothing({ target: [messages.siteId, messages.clientEventId] })
    .returning({ id: messages.id, clientEventId: messages.clientEventId });
  // Answers are usually rated soon after they are stored: remember them so the rating needs no lookup.
  const ids = new Map(inserted.map((r) => [r.clientEventId, r.id]));
  for (const { item } of entries) {
    const id = ids.get(item.clientEventId);
    if (id && item.role === 'agent')
      learnt.messages.push([
        `${ctx.siteId}:${item.clientEventId}`,
        { id, conversationId: item.conversationId, role: 'agent', traceId: item.answer?.traceId ?? null, confidence: item.answer?.confidence ?? null, topic: item.answer?.topic ?? null },
      ]);
  }
  return resolveReplays(entries, new Set(inserted.map((r) => r.clientEventId)), async (ids) => {
    const rows = await db
      .select({ id: messages.clientEventId, hash: messages.bodyHash })
      .from(messages)
      .where(and(eq(messages.siteId, ctx.siteId), inArray(messages.clientEventId, ids)));
    return new Map(rows.map((r) => [r.id, r.hash]));
  });
}

async function insertFeedback(db: Db, ctx: SignalContext, entries: Indexed<FeedbackSignal>[], cache: SignalCache, learnt: Learnt) {
  const byEventId = new Map<string, RatedMessage>();
  const missing: string[] = [];
  for (const id of new Set(entries.map((e) => e.item.messageId))) {
    const hit = cache.messages.get(`${ctx.siteId}:${id}`);
    if (hit) byEventId.set(id, hit);
    else missing.push(id);
  }
  if (missing.length) {
    const rated = await db
      .select({
        id: messages.id,
        clientEventId: messages.clientEventId,
        conversationId: messages.conversationId,
        role: messages.role,
        traceId: messages.traceId,
        confidence: messages.confidence,
        topic: messages.topic,
      })
      .from(messages)
      .where(and(eq(messages.siteId, ctx.siteId), inArray(messages.clientEventId, missing)));
    for (const { clientEventId, ...m } of rated) {
      byEventId.set(clientEventId, m);
      learnt.messages.push([`${ctx.siteId}:${clientEventId}`, m]);
    }
  }
  const fields: Record<string, string> = {};
  for (const { index, item } of entries) {
    const m = byEventId.get(item.messageId);
    if (!m || m.conversationId !== item.conversationId) fields[`items.${index}.messageId`] = `no message ${item.messageId} in this conversation`;
    else if (m.role !== 'agent') fields[`items.${index}.messageId`] = 'only agent answers can be rated';
  }
  if (Object.keys(fields).length) throw new FieldError('BAD_REQUEST', 'Feedback refers to an unknown message.', fields);

  // Feedback is the high-volume signal: one INSERT … SELECT FROM unnest(arrays) keeps the statement the
  // same size for any batch (14 parameters instead of 14 per row), which is far cheaper to build and plan.
  const rows = entries.map(({ item, hash }) => ({ item, hash, m: byEventId.get(item.messageId)! }));
  const column = <T>(pick: (r: (typeof rows)[number]) => T) => sql.param(rows.map(pick));
  const result = await db.execute(sql`
    insert into ${feedback} (site_id, user_agent, conversation_id, message_id, client_event_id, rating, reasons, comment,
      page_url, trace_id, confidence, topic, body_hash, sent_at)
    select ${ctx.siteId}::uuid, ${ctx.userAgent}::text, t.*
    from unnest(
      ${column((r) => r.item.conversationId)}::uuid[], ${column((r) => r.m.id)}::uuid[], ${column((r) => r.item.clientEventId)}::uuid[],
      ${column((r) => r.item.rating)}::smallint[], ${column((r) => JSON.stringify(r.item.reasons))}::jsonb[],
      ${column((r) => r.item.comment ?? null)}::text[], ${column((r) => r.item.pageUrl ?? null)}::text[],
      ${column((r) => r.m.traceId)}::text[], ${column((r) => r.m.confidence)}::real[], ${column((r) => r.m.topic)}::text[],
      ${column((r) => r.hash)}::text[], ${column((r) => r.item.createdAt)}::timestamptz[]
    ) as t
    on conflict (site_id, client_event_id) do nothing
    returning client_event_id`);
  const inserted = (result as unknown as { rows: { client_event_id: string }[] }).rows.map((r) => ({ clientEventId: r.client_event_id }));
  return resolveReplays(entries, new Set(inserted.map((r) => r.clientEventId)), async (ids) => {
    const rows = await db
      .select({ id: feedback.clientEventId, hash: feedback.bodyHash })
      .from(feedback)
      .where(and(eq(feedback.siteId, ctx.siteId), inArray(feedback.clientEventId, ids)));
    return new Map(rows.map((r) => [r.id, r.hash]));
  });
}

/** Row count helper for tests and benchmarks. */
export async function countRows(db: Db, table: 'messages' | 'feedback'): Promise<number> {
  const t = table === 'messages' ? messages : feedback;
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(t);
  return row?.n ?? 0;
}
