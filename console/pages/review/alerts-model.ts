/** Alerts of a site in a time range; reading them also refreshes the count on the navigation entry. */
import { me } from '../../shell/session';
import { createLoadable } from './loadable';
import { reviewApi } from './review-api';
import { loadRecentAlerts } from './recent-alerts';

export function createAlertsModel() {
  const list = createLoadable(async (input: { siteId: string; from: string; to: string }) => {
    const alerts = await reviewApi.alerts.query(input);
    void loadRecentAlerts((me.value?.sites ?? []).map((s) => s.id));
    return alerts;
  }, 'The alerts');
  return { list, load: list.load, dispose: list.dispose };
}

export type AlertsModel = ReturnType<typeof createAlertsModel>;
