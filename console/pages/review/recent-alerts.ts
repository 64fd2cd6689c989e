/**
 * The number on the "Review" navigation entry: alerts raised in the last 24 hours on the staff member's
 * sites. Read at sign-in and whenever Review reads alerts, never on a timer.
 */
import { signal } from '@preact/signals';
import { reviewApi } from './review-api';

/** Null until known (or when it could not be read: the badge then stays away rather than show a wrong 0). */
export const recentAlerts = signal<number | null>(null);

export const RECENT_ALERTS_MS = 24 * 3600_000;

export async function loadRecentAlerts(siteIds: string[], now = Date.now()): Promise<void> {
  const from = new Date(now - RECENT_ALERTS_MS).toISOString();
  try {
    const lists = await Promise.all(siteIds.map((siteId) => reviewApi.alerts.query({ siteId, from })));
    recentAlerts.value = lists.reduce((n, l) => n + l.length, 0);
  } catch {
    recentAlerts.value = null;
  }
}
