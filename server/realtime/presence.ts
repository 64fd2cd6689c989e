/**
 * Who is online: staff with a live Inbox subscription, on any instance. Each subscription is a row whose
 * `seen_at` this process refreshes while it is open; a crashed instance's rows simply go stale.
 */
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { staff, staffPresence, staffSites } from '../db/schema';

/** A presence row older than this no longer counts. */
export const PRESENCE_FRESH_MS = 60_000;

export interface Presence {
  /** Marks a staff member online until the returned function is called. */
  enter(staffId: string): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function createPresence(db: Db, heartbeatMs = 20_000): Presence {
  const live = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  const beat = async () => {
    if (live.size) await db.update(staffPresence).set({ seenAt: new Date() }).where(inArray(staffPresence.id, [...live])).catch(() => {});
  };
  return {
    async enter(staffId) {
      const id = crypto.randomUUID();
      await db.insert(staffPresence).values({ id, staffId });
      live.add(id);
      if (!timer) {
        timer = setInterval(() => void beat(), heartbeatMs);
        timer.unref();
      }
      return async () => {
        live.delete(id);
        await db.delete(staffPresence).where(eq(staffPresence.id, id)).catch(() => {});
      };
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      const ids = [...live];
      live.clear();
      if (ids.length) await db.delete(staffPresence).where(inArray(staffPresence.id, ids)).catch(() => {});
    },
  };
}

/** How many agents and admins of the site have a fresh Inbox subscription. */
export async function onlineStaffCount(db: Db, siteId: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(distinct ${staffPresence.staffId})::int` })
    .from(staffPresence)
    .innerJoin(staffSites, and(eq(staffSites.staffId, staffPresence.staffId), eq(staffSites.siteId, siteId)))
    .innerJoin(staff, eq(staff.id, staffPresence.staffId))
    .where(and(gt(staffPresence.seenAt, new Date(now.getTime() - PRESENCE_FRESH_MS)), inArray(staff.role, ['agent', 'admin'])));
  return row?.n ?? 0;
}
