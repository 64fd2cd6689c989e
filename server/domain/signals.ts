/**
 * Stores batches of widget signals (messages, feedback) exactly once.
 *
 * A batch is atomic: either every item is stored (or recognised as a replay) or nothing is, with the
 * refused items named by index so the widget can set them aside and resend the rest. Several batches
 * (one per request, see signal-writer.ts) may be stored by one call in one transaction: each table
 * then gets one multi-row INSERT … ON CONFLICT DO NOTHING for all of them; replays are told apart
 * from conflicting reuse of an id by a hash of the item's body.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { MAX_BATCH_ITEMS, MAX_SIGNAL_BYTES } from '../../shared/limits';
import type { EscalationSignal, FeedbackSignal, MessageSignal, Signal, SignalBatch, SignalResult } from '../../shared/schemas';
import type { Db } from '../db/client';
import { conversations, droppedSignals, feedback, messages } from '../db/schema';
import { holdDrafts, type FreshAnswer } from './drafts-hold';
import { FieldError } from './errors';
import { storeHandoffSignals } from './escalations';
import { redactSignal } from './redact-signals';
import { tokenOpens } from './conversation-access';
import { sha256 } from './secrets';
import { createSignalCache, type BoundConversation, type RatedMessage, type SignalCache } from './signal-cache';

export interface SignalContext {
  siteId: string;
  userAgent: string | null;
  /** Whether personal data and secrets are replaced before storage (the site's `redactPii`); on when absent. */
  redact?: boolean;
  /** Shared across requests of one server; a fresh one (no reuse) when absent. */
  cache?: SignalCache;
}

/** Cache entries learnt inside a transaction, applied once it commits. */
export interface Learnt {
  conversations: [string, BoundConversation][];
  messages: [string, RatedMessage][];
}

type Status = SignalResult['status'];
type Indexed<T> = { index: number; item: T; hash: string };
/** An item of one of the batches stored together: `part` is the batch's position. */
type Entry<T> = Indexed<T> & { part: number; siteId: string; userAgent: string | null };

/** A batch that passed the checks that need no database, with each item's body hash. */
export interface PreparedBatch {
  siteId: string;
  userAgent: string | null;
  batch: SignalBatch;
  msgs: Indexed<MessageSignal>[];
  fbs: Indexed<FeedbackSignal>[];
  escs: Indexed<EscalationSignal>[];
}

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

/** Size limits, unique ids and body hashes: everything about a batch that needs no database. */
export function prepareBatch(ctx: Pick<SignalContext, 'siteId' | 'userAgent' | 'redact'>, batch: SignalBatch): PreparedBatch {
  // Serialised once: for the size limit and for the body hash that tells replays from conflicts.
  const bodies = batch.items.map((item) => JSON.stringify(item));
  checkBatchLimits(bodies);
  const msgs: Indexed<MessageSignal>[] = [];
  const fbs: Indexed<FeedbackSignal>[] = [];
  const escs: Indexed<EscalationSignal>[] = [];
  const redact = ctx.redact !== false;
  batch.items.forEach((original, index) => {
    // Redaction: the hash is of the body as sent (a replay must still match it), everything stored or
    // sent to live subscribers from here on is the redacted item.
    const item = redact ? redactSignal(original) : original;
    const entry = { index, item, hash: sha256(bodies[index]!) };
    if (item.kind === 'message') msgs.push(entry as Indexed<MessageSignal>);
    else if (item.kind === 'escalation') escs.push(entry as Indexed<EscalationSignal>);
    else fbs.push(entry as Indexed<FeedbackSignal>);
  });
  checkUniqueIds(batch.items);
  return { siteId: ctx.siteId, userAgent: ctx.userAgent, batch, msgs, fbs, escs };
}

export function newLearnt(): Learnt {
  return { conversations: [], messages: [] };
}

/** Adds what a committed transaction wrote or read to the cache. */
export function applyLearnt(cache: SignalCache, learnt: Learnt): void {
  for (const [k, v] of learnt.conversations) cache.conversations.set(k, v);
  for (const [k, v] of learnt.messages) cache.messages.set(k, v);
}

/** Stores one batch in its own transaction. */
export async function storeSignals(db: Db, ctx: SignalContext, batch: SignalBatch): Promise<SignalResult[]> {
  const prepared = prepareBatch(ctx, batch);
  const cache = ctx.cache ?? createSignalCache(0);
  const learnt = newLearnt();
  const [results] = await db.transaction((tx) => storePrepared(tx as unknown as Db, [prepared], cache, learnt));
  applyLearnt(cache, learnt);
  return results!;
}

/**
 * Stores prepared batches inside the caller's transaction, with one statement per table for all of
 * them; results by batch. Throws the refusal of the first refused batch (a FieldError naming its own
 * items), after which the caller must roll back: with several batches, it then stores them one by one.
 */
export async function storePrepared(db: Db, batches: readonly PreparedBatch[], cache: SignalCache, learnt: Learnt): Promise<SignalResult[][]> {
  const tag = <T>(part: number, b: PreparedBatch, e: Indexed<T>): Entry<T> => ({ ...e, part, siteId: b.siteId, userAgent: b.userAgent });
  await bindConversations(db, batches, cache, learnt);
  const statuses = batches.map(() => new Map<number, Status>());
  const msgs = batches.flatMap((b, part) => b.msgs.map((e) => tag(part, b, e)));
  const fbs = batches.flatMap((b, part) => b.fbs.map((e) => tag(part, b, e)));
  // Answers under human review are held as drafts in this same transaction (see drafts-hold.ts).
  if (msgs.length) await holdDrafts(db, await insertMessages(db, msgs, learnt, statuses));
  if (fbs.length) await insertFeedback(db, fbs, cache, learnt, statuses);
  for (const [part, b] of batches.entries()) {
    // Escalation requests, and the live events staff follow (new handoffs, user messages to a person).
    if (b.escs.length || b.msgs.some((m) => m.item.role === 'user'))
      for (const [i, s] of await storeHandoffSignals(db, b.siteId, b.escs, b.msgs, statuses[part]!)) statuses[part]!.set(i, s);
    if (b.batch.dropped && b.batch.dropped.feedback > 0)
      await db
        .insert(droppedSignals)
        .values({ siteId: b.siteId, reportId: b.batch.dropped.reportId ?? null, kind: 'feedback', count: b.batch.dropped.feedback })
        // A retried batch repeats its report id: counted once.
        .onConflictDoNothing({ target: [droppedSignals.siteId, droppedSignals.reportId] });
  }
  return batches.map((b, part) => b.batch.items.map((item, i) => ({ clientEventId: item.clientEventId, status: statuses[part]!.get(i) ?? 'stored' })));
}

/** Refusals of several batches, keyed by batch; the first refused batch's fields are thrown. */
class Refusals {
  private readonly byPart = new Map<number, Record<string, string>>();
  add(part: number, field: string, message: string): void {
    const fields = this.byPart.get(part) ?? this.byPart.set(part, {}).get(part)!;
    fields[field] = message;
  }
  throwIfAny(code: FieldError['code'], message: string): void {
    if (this.byPart.size === 0) return;
    const first = Math.min(...this.byPart.keys());
    throw new FieldError(code, message, this.byPart.get(first));
  }
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

/** True when two of the batches hold the same signal of one site, which one combined INSERT cannot tell apart. */
export function overlapping(batches: readonly PreparedBatch[]): boolean {
  const seen = new Set<string>();
  for (const b of batches)
    for (const item of b.batch.items) {
      const key = `${b.siteId}:${item.kind}:${item.clientEventId}`;
      if (seen.has(key)) return true;
      seen.add(key);
    }
  return false;
}

/** Registers unseen conversations with their token's hash; refuses items whose token or site does not match. */
async function bindConversations(db: Db, batches: readonly PreparedBatch[], cache: SignalCache, learnt: Learnt): Promise<void> {
  // Each item's own token is checked; hashes are memoised because a batch mostly repeats one token.
  const hashes = new Map<string, string>();
  const hashOf = (token: string) => hashes.get(token) ?? hashes.set(token, sha256(token)).get(token)!;
  // The first claim of a conversation is the one registered; a batch that claims it otherwise is refused below.
  const claims = new Map<string, BoundConversation>();
  for (const b of batches)
    for (const item of b.batch.items)
      if (!claims.has(item.conversationId)) claims.set(item.conversationId, { siteId: b.siteId, tokenHash: hashOf(item.conversationToken) });
  const known = new Map<string, BoundConversation>();
  for (const id of claims.keys()) {
    const hit = cache.conversations.get(id);
    if (hit) known.set(id, hit);
  }
  const unseen = [...claims].filter(([id]) => !known.has(id));
  if (unseen.length) {
    await db
      .insert(conversations)
      .values(unseen.map(([id, claim]) => ({ id, ...claim })))
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
  const refusals = new Refusals();
  batches.forEach((b, part) =>
    b.batch.items.forEach((item, i) => {
      const row = known.get(item.conversationId);
      // Another site's conversation gets the answer of a wrong token, which is the answer of an id nobody
      // used: nothing tells the caller that the id exists.
      if (!row || row.siteId !== b.siteId || !tokenOpens(row.tokenHash, item.conversationToken, hashOf))
        refusals.add(part, `items.${i}.conversationToken`, 'no conversation with this id and token on this site');
    }),
  );
  refusals.throwIfAny('NOT_FOUND', 'No conversation with this id and token on this site.');
}

const key = (siteId: string, clientEventId: string) => `${siteId}:${clientEventId}`;

/** Groups entries by site, for lookups whose key is (site_id, client_event_id). */
function bySite<T extends { siteId: string }>(entries: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const e of entries) (groups.get(e.siteId) ?? groups.set(e.siteId, []).get(e.siteId)!).push(e);
  return groups;
}

/** Sets each entry's status; throws CONFLICT if an already-stored id arrives with a different body. */
async function resolveReplays(
  entries: Entry<Signal>[],
  inserted: Set<string>,
  existingHashes: (siteId: string, ids: string[]) => Promise<Map<string, string>>,
  statuses: Map<number, Status>[],
): Promise<void> {
  const replays: Entry<Signal>[] = [];
  for (const e of entries) {
    if (inserted.has(key(e.siteId, e.item.clientEventId))) statuses[e.part]!.set(e.index, 'stored');
    else replays.push(e);
  }
  if (replays.length === 0) return;
  const refusals = new Refusals();
  for (const [siteId, group] of bySite(replays)) {
    const hashes = await existingHashes(siteId, group.map((e) => e.item.clientEventId));
    for (const e of group) {
      if (hashes.get(e.item.clientEventId) === e.hash) statuses[e.part]!.set(e.index, 'duplicate');
      else refusals.add(e.part, `items.${e.index}.clientEventId`, `event ${e.item.clientEventId} was already recorded with a different body`);
    }
  }
  refusals.throwIfAny('CONFLICT', 'An event id was reused with a different body; each signal needs its own clientEventId.');
}

/** Inserts the messages; returns the agent answers stored by this call (not replays), for the hold-back. */
async function insertMessages(db: Db, entries: Entry<MessageSignal>[], learnt: Learnt, statuses: Map<number, Status>[]): Promise<FreshAnswer[]> {
  const inserted = await db
    .insert(messages)
    .values(
      entries.map(({ item, hash, siteId }) => ({
        siteId,
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
    .returning({ id: messages.id, siteId: messages.siteId, clientEventId: messages.clientEventId });
  // Answers are usually rated soon after they are stored: remember them so the rating needs no lookup.
  const ids = new Map(inserted.map((r) => [key(r.siteId, r.clientEventId), r.id]));
  const fresh: FreshAnswer[] = [];
  for (const { item, siteId } of entries) {
    const id = ids.get(key(siteId, item.clientEventId));
    if (id && item.role === 'agent')
      fresh.push({ siteId, conversationId: item.conversationId, messageId: id, topic: item.answer?.topic ?? null, confidence: item.answer?.confidence ?? null, traceId: item.answer?.traceId ?? null });
    if (id && item.role === 'agent')
      learnt.messages.push([
        key(siteId, item.clientEventId),
        { id, conversationId: item.conversationId, role: 'agent', traceId: item.answer?.traceId ?? null, confidence: item.answer?.confidence ?? null, topic: item.answer?.topic ?? null },
      ]);
  }
  await resolveReplays(entries, new Set(ids.keys()), async (siteId, clientEventIds) => {
    const rows = await db
      .select({ id: messages.clientEventId, hash: messages.bodyHash })
      .from(messages)
      .where(and(eq(messages.siteId, siteId), inArray(messages.clientEventId, clientEventIds)));
    return new Map(rows.map((r) => [r.id, r.hash]));
  }, statuses);
  return fresh;
}

async function insertFeedback(db: Db, entries: Entry<FeedbackSignal>[], cache: SignalCache, learnt: Learnt, statuses: Map<number, Status>[]): Promise<void> {
  const rated = new Map<string, RatedMessage>();
  const missing = new Map<string, { siteId: string; messageId: string }>();
  for (const { siteId, item } of entries) {
    const k = key(siteId, item.messageId);
    if (rated.has(k) || missing.has(k)) continue;
    const hit = cache.messages.get(k);
    if (hit) rated.set(k, hit);
    else missing.set(k, { siteId, messageId: item.messageId });
  }
  for (const [siteId, group] of bySite([...missing.values()])) {
    const rows = await db
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
      .where(and(eq(messages.siteId, siteId), inArray(messages.clientEventId, group.map((m) => m.messageId))));
    for (const { clientEventId, ...m } of rows) {
      rated.set(key(siteId, clientEventId), m);
      learnt.messages.push([key(siteId, clientEventId), m]);
    }
  }
  const refusals = new Refusals();
  for (const { part, index, item, siteId } of entries) {
    const m = rated.get(key(siteId, item.messageId));
    if (!m || m.conversationId !== item.conversationId) refusals.add(part, `items.${index}.messageId`, `no message ${item.messageId} in this conversation`);
    else if (m.role !== 'agent') refusals.add(part, `items.${index}.messageId`, 'only agent answers can be rated');
  }
  refusals.throwIfAny('BAD_REQUEST', 'Feedback refers to an unknown message.');

  // Feedback is the high-volume signal: one INSERT … SELECT FROM unnest(arrays) keeps the statement the
  // same size for any number of rows (14 parameters instead of 14 per row), which is far cheaper to build and plan.
  const rows = entries.map((e) => ({ ...e, m: rated.get(key(e.siteId, e.item.messageId))! }));
  const column = <T>(pick: (r: (typeof rows)[number]) => T) => sql.param(rows.map(pick));
  const result = await db.execute(sql`
    insert into ${feedback} (site_id, user_agent, conversation_id, message_id, client_event_id, rating, reasons, comment,
      page_url, trace_id, confidence, topic, body_hash, sent_at)
    select t.*
    from unnest(
      ${column((r) => r.siteId)}::uuid[], ${column((r) => r.userAgent)}::text[],
      ${column((r) => r.item.conversationId)}::uuid[], ${column((r) => r.m.id)}::uuid[], ${column((r) => r.item.clientEventId)}::uuid[],
      ${column((r) => r.item.rating)}::smallint[], ${column((r) => JSON.stringify(r.item.reasons))}::jsonb[],
      ${column((r) => r.item.comment ?? null)}::text[], ${column((r) => r.item.pageUrl ?? null)}::text[],
      ${column((r) => r.m.traceId)}::text[], ${column((r) => r.m.confidence)}::real[], ${column((r) => r.m.topic)}::text[],
      ${column((r) => r.hash)}::text[], ${column((r) => r.item.createdAt)}::timestamptz[]
    ) as t
    on conflict (site_id, client_event_id) do nothing
    returning site_id, client_event_id`);
  const inserted = (result as unknown as { rows: { site_id: string; client_event_id: string }[] }).rows;
  await resolveReplays(entries, new Set(inserted.map((r) => key(r.site_id, r.client_event_id))), async (siteId, ids) => {
    const found = await db
      .select({ id: feedback.clientEventId, hash: feedback.bodyHash })
      .from(feedback)
      .where(and(eq(feedback.siteId, siteId), inArray(feedback.clientEventId, ids)));
    return new Map(found.map((r) => [r.id, r.hash]));
  }, statuses);
}

/** Row count helper for tests and benchmarks. */
export async function countRows(db: Db, table: 'messages' | 'feedback'): Promise<number> {
  const t = table === 'messages' ? messages : feedback;
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(t);
  return row?.n ?? 0;
}
