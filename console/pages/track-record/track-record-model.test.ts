import { describe, expect, it, vi } from 'vitest';
import type { TrackRecord, TrustRecommendation } from '../../../shared/trust';
import type { TrustProcedures } from './track-record-api';

vi.mock('../../api/client', () => ({ api: {}, errorMessage: (e: Error) => e.message }));
vi.mock('../../shell/session', () => ({ sessionEnded: () => false }));
const { createTrackRecordModel } = await import('./track-record-model');

const recommendation: TrustRecommendation = { kind: 'step_up', from: 'human_review', to: 'suggest_handoff', text: 'Refunds: … Eligible for suggest_handoff.' };

describe('track record model', () => {
  it('should send only the topic and the confirmed level (never the text), and reload the record after applying', async () => {
    const record = { siteId: 's1' } as TrackRecord;
    const server: TrustProcedures = {
      trackRecord: { query: vi.fn(async () => record) },
      applyRecommendation: { mutate: vi.fn(async () => ({}) as never) },
    };
    const model = createTrackRecordModel(server);
    await model.apply('s1', 'refunds', recommendation);
    expect(server.applyRecommendation.mutate).toHaveBeenCalledWith({ siteId: 's1', topic: 'refunds', autonomy: 'suggest_handoff' });
    expect(server.trackRecord.query).toHaveBeenCalledWith({ siteId: 's1' });
    expect(model.record.data.value).toBe(record);
  });

  it('should say why a record could not be loaded', async () => {
    const server: TrustProcedures = {
      trackRecord: { query: vi.fn(async () => Promise.reject(new Error('No site with id'))) },
      applyRecommendation: { mutate: vi.fn() },
    };
    const model = createTrackRecordModel(server);
    await model.record.load('s1');
    expect(model.record.error.value).toBe('The track record could not be loaded: No site with id');
  });
});
