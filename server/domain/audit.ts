/**
 * The audit log: every staff action that changes data, with who (staff id and the actor as text, `cli` from
 * the command line), what (action and target), when, and from where (IP and user agent). Rows are only ever
 * appended. Callers pass their transaction's handle where the change runs in one, so the row and the change
 * commit together.
 */
import { and, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { AuditEntry, AuditPage } from '../../shared/security';
import type { Db } from '../db/client';
import { auditLog } from '../db/schema';

/** Who did it and from where. */
export interface Actor {
  staffId: string | null;
  /** The staff member's email, or `cli` for the command line. */
  actor: string;
  ip: string | null;
  userAgent: string | null;
}

/** The actor of command-line actions. */
export const CLI_ACTOR: Actor = { staffId: null, actor: 'cli', ip: null, userAgent: null };

/** The actor of a staff request. */
export function staffActor(staff: { id: string; email: string }, from: { ip: string | null; userAgent: string | null }): Actor {
  return { staffId: staff.id, actor: staff.email, ip: from.ip, userAgent: from.userAgent };
}

export interface AuditRecord {
  action: string;
  siteId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

// User agents can be long; the log keeps enough to tell browsers apart.
const clip = (value: string | null, max: number) => (value === null ? null : value.slice(0, max));

/** Appends one row. */
export async function recordAudit(db: Db, who: Actor, record: AuditRecord): Promise<void> {
  await db.insert(auditLog).values({
    siteId: record.siteId ?? null,
    staffId: who.staffId,
    actor: who.actor,
    action: record.action,
    targetType: record.targetType ?? null,
    targetId: record.targetId ?? null,
    details: record.details ?? {},
    ip: clip(who.ip, 100),
    userAgent: clip(who.userAgent, 300),
  });
}

/**
 * Appends one row whose site is read from the target's own row (`select site_id from <table> where id = …`),
 * in the same statement: for actions whose answer does not carry the site (escalations, review cases).
 */
export async function recordAuditOf(db: Db, who: Actor, table: 'escalations' | 'cases', record: Omit<AuditRecord, 'siteId'> & { targetId: string }): Promise<void> {
  await db.execute(sql`
    insert into audit_log (site_id, staff_id, actor, action, target_type, target_id, details, ip, user_agent)
    select t.site_id, ${who.staffId}, ${who.actor}, ${record.action}, ${record.targetType ?? null}, ${record.targetId},
           ${JSON.stringify(record.details ?? {})}::jsonb, ${clip(who.ip, 100)}, ${clip(who.userAgent, 300)}
    from ${sql.identifier(table)} t where t.id = ${record.targetId}`);
}

/**
 * A page of the log, newest first, in keyset pages by id. `siteIds` are the sites whose rows may be shown;
 * `withoutSite` adds the rows of actions outside any site (accounts, sign-ins).
 */
export async function listAudit(db: Db, opts: { siteIds: string[]; withoutSite: boolean; cursor?: number; limit: number }): Promise<AuditPage> {
  const scope: SQL[] = [];
  if (opts.siteIds.length) scope.push(inArray(auditLog.siteId, opts.siteIds));
  if (opts.withoutSite) scope.push(isNull(auditLog.siteId));
  if (scope.length === 0) return { entries: [], nextCursor: null };
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(or(...scope), opts.cursor ? lt(auditLog.id, opts.cursor) : undefined))
    .orderBy(desc(auditLog.id))
    .limit(opts.limit + 1);
  const page = rows.slice(0, opts.limit);
  return { entries: page.map(toEntry), nextCursor: rows.length > opts.limit ? page[page.length - 1]!.id : null };
}

function toEntry(row: typeof auditLog.$inferSelect): AuditEntry {
  return {
    id: row.id,
    siteId: row.siteId,
    staffId: row.staffId,
    actor: row.actor,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    details: row.details,
    ip: row.ip,
    userAgent: row.userAgent,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Rows for one target, oldest first (tests and the CLI). */
export async function auditOfTarget(db: Db, targetId: string) {
  return db.select().from(auditLog).where(eq(auditLog.targetId, targetId)).orderBy(auditLog.id);
}
