/** The Track record page's calls to the server: the `trust` router's procedures, typed by shared/trust.ts. */
import type { z } from 'zod';
import type { applyRecommendationInput, TopicPolicy, TrackRecord } from '../../../shared/trust';
import { api } from '../../api/client';

export interface TrustProcedures {
  trackRecord: { query(input: { siteId: string }): Promise<TrackRecord> };
  applyRecommendation: { mutate(input: z.input<typeof applyRecommendationInput>): Promise<TopicPolicy> };
}

/** The `trust` router through the console's one tRPC client. */
export const trustApi: TrustProcedures = api.trust;
