/** Whether a person can answer a handoff now: inside the site's hours and someone signed in to the Inbox. */
import type { HandoffAvailability, SiteHours } from '../../shared/handoff';
import type { Db } from '../db/client';
import { onlineStaffCount } from '../realtime/presence';

/** Whether `now` falls within the hours (weekday and HH:MM in the site's time zone). */
export function withinHours(hours: SiteHours, now: Date): boolean {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  const time = `${get('hour')}:${get('minute')}`;
  return hours.days.includes(day) && time >= hours.open && time < hours.close;
}

export async function handoffAvailability(db: Db, site: { id: string; hours: SiteHours | null }, now = new Date()): Promise<HandoffAvailability> {
  if (site.hours && !withinHours(site.hours, now)) return { nobodyOnline: true, reason: 'outside_hours' };
  if ((await onlineStaffCount(db, site.id, now)) === 0) return { nobodyOnline: true, reason: 'no_staff' };
  return { nobodyOnline: false };
}
