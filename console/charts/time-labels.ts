/**
 * How Review's time buckets read. The server cuts series at UTC hours and UTC midnights, so their labels
 * are UTC too: in the viewer's own zone a daily bucket west of UTC would carry the previous date (the
 * bucket of 5 Dec starts at 4 Dec, 16:00 in California). Charts and tables say "UTC" beside them. (The
 * track record's rolling weeks start at any hour, and keep the viewer's zone.)
 */

export const SERIES_TIME_ZONE = 'UTC';

type Bucket = 'hour' | 'day' | 'week';

/**
 * A bucket start for tables and chart legends: "5 Dec, 14:00" for hourly series, "5 Dec 2026" for daily and
 * weekly ones; in UTC unless `timeZone` is undefined (the viewer's zone, for buckets not cut at midnights).
 */
export function bucketLabel(iso: string | number | Date, bucket: Bucket, timeZone: string | undefined = SERIES_TIME_ZONE): string {
  const d = new Date(iso);
  return bucket === 'hour'
    ? d.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone })
    : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone });
}

/** A chart's time-axis tick: "14:00" (with the date under it at midnight) for hours, "5 Dec" for days; zone as bucketLabel. */
export function bucketTick(iso: string | number | Date, bucket: Bucket, timeZone: string | undefined = SERIES_TIME_ZONE): string {
  const d = new Date(iso);
  const day = d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone });
  if (bucket !== 'hour') return day;
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });
  return time === '00:00' ? `${time}\n${day}` : time;
}

