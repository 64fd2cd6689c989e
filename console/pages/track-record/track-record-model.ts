/** The Track record page's state: the site's record (loaded per site) and applying a recommendation. */
import { signal } from '@preact/signals';
import type { TrustRecommendation } from '../../../shared/trust';
import { createLoadable } from '../review/loadable';
import { trustApi, type TrustProcedures } from './track-record-api';

export function createTrackRecordModel(server: TrustProcedures = trustApi) {
  const record = createLoadable((siteId: string) => server.trackRecord.query({ siteId }), 'The track record');
  /** The topic whose recommendation the admin is confirming, if any. */
  const confirming = signal<{ topic: string; recommendation: TrustRecommendation } | null>(null);
  const applying = signal(false);

  /** Applies the recommendation (the server checks it still holds) and reloads the record. */
  async function apply(siteId: string, topic: string, recommendation: TrustRecommendation): Promise<void> {
    applying.value = true;
    try {
      await server.applyRecommendation.mutate({ siteId, topic, autonomy: recommendation.to });
    } finally {
      applying.value = false;
      await record.load(siteId);
    }
  }

  return { record, confirming, applying, apply, dispose: record.dispose };
}

export type TrackRecordModel = ReturnType<typeof createTrackRecordModel>;
