/**
 * The event log: every change staff or the widget should see live is appended here, in the same
 * transaction as the change. Subscribers read `id > lastId` with their filter; the bus only wakes them.
 */
import { and, eq, gt, inArray, max, sql, type SQL } from 'drizzle-orm';
import type { HandoffEvent, HandoffEventType } from '../../shared/handoff';
import type { Db } from '../db/client';
import { events } from '../db/schema';
import { conversationKey, siteKey, type Bus } from './bus';
import { CHANNEL_SQL, changePayload } from './notifications';

export interface NewEvent {
  siteId: string;
  conversationId?: string | null;
  escalationId?: string | null;
  type: HandoffEventType;
  payload: Record<string, unknown>;
  audience: 'widget' | 'staff';
}

/**
 * Appends events inside the caller's transaction and notifies on commit. The advisory lock, held to the
 * end of the transaction, makes ids visible in increasing order: without it a transaction that took id
 * 10 could commit after one that took 11, and a reader already past 11 would never see 10.
 */
export async function appendEvents(tx: Db, list: readonly NewEvent[]): Promise<number[]> {
  if (list.length === 0) return [];
  await tx.execute(sql.raw(`select pg_advisory_xact_lock(hashtext(${CHANNEL_SQL}))`));
  const rows = await tx
    .insert(events)
    .values(list.map((e) => ({ siteId: e.siteId, conversationId: e.conversationId ?? null, escalationId: e.escalationId ?? null, type: e.type, payload: e.payload, audience: e.audience })))
    .returning({ id: events.id });
  // One notification per site and conversation touched (sent in one statement), so that a widget stream
  // is woken by its own conversation's events only; staff streams are woken by any event of their sites.
  const payloads = [...new Set(list.map((e) => changePayload({ siteId: e.siteId, conversationId: e.conversationId ?? null })))];
  const values = sql.join(payloads.map((p) => sql`(${p}::text)`), sql`, `);
  await tx.execute(sql`select pg_notify(${sql.raw(CHANNEL_SQL)}, v.p) from (values ${values}) as v(p)`);
  return rows.map((r) => r.id);
}

/** What a subscriber may see. */
export interface EventFilter {
  /** Events of these sites only (staff: their memberships). */
  siteIds?: readonly string[];
  conversationId?: string;
  /** Only events the end user may see; internal notes and staff-only events are never returned. */
  widgetOnly?: boolean;
}

const PAGE = 200;

export async function readEvents(db: Db, filter: EventFilter, afterId: number, limit = PAGE): Promise<HandoffEvent[]> {
  const where: SQL[] = [gt(events.id, afterId)];
  if (filter.siteIds) {
    if (filter.siteIds.length === 0) return [];
    where.push(inArray(events.siteId, [...filter.siteIds]));
  }
  if (filter.conversationId) where.push(eq(events.conversationId, filter.conversationId));
  if (filter.widgetOnly) where.push(eq(events.audience, 'widget'));
  const rows = await db.select().from(events).where(and(...where)).orderBy(events.id).limit(limit);
  return rows.map((r) => ({ ...r, type: r.type as HandoffEventType, createdAt: r.createdAt.toISOString() }));
}

/** The newest event id (0 when the log is empty): a snapshot read after it plus the events after it miss nothing. */
export async function lastEventId(db: Db): Promise<number> {
  const [row] = await db.select({ id: max(events.id) }).from(events);
  return Number(row?.id ?? 0);
}

/** Parses a tracked id sent back by a client; a missing one means "from now". */
export function parseEventId(id: string | null | undefined): number | null {
  if (id === null || id === undefined || !/^\d{1,18}$/.test(id)) return null;
  return Number(id);
}

/**
 * Yields the events after `afterId` that match the filter, then every new one as it is committed,
 * until `signal` aborts. With `afterId` null it starts from the current end of the log.
 */
export async function* followEvents(db: Db, bus: Bus, filter: EventFilter, afterId: number | null, signal?: AbortSignal): AsyncGenerator<HandoffEvent> {
  let last = afterId ?? (await lastEventId(db));
  // A conversation's stream waits on that conversation alone: the other conversations of its site cannot match.
  const keys = filter.conversationId
    ? new Set([conversationKey(filter.conversationId)])
    : filter.siteIds
      ? new Set(filter.siteIds.map(siteKey))
      : null;
  while (!signal?.aborted) {
    const waiter = bus.arm(keys, signal);
    let page: HandoffEvent[];
    try {
      page = await readEvents(db, filter, last);
    } catch (err) {
      waiter.cancel();
      throw err;
    }
    if (page.length > 0) {
      waiter.cancel();
      for (const e of page) {
        last = e.id;
        yield e;
      }
      continue;
    }
    await waiter.promise;
  }
}
