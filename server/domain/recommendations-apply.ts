/** Applying a recommendation: recomputed from the data at the moment of the click, never taken from the client. */
import type { TopicPolicy } from '../../shared/trust';
import type { Db } from '../db/client';
import type { Actor } from './audit';
import { FieldError } from './errors';
import { setTopic } from './topics';
import { readTrackRecord } from './track-record-query';

/**
 * Sets the topic's autonomy to the one its track record recommends now, with the recommendation's text as
 * the audited reason (setTopic writes the audit entry). CONFLICT when there is no recommendation now or it
 * names another level than `autonomy` (the one the admin confirmed): the record changed since it was shown.
 */
export async function applyRecommendation(db: Db, who: Actor, input: { siteId: string; topic: string; autonomy: TopicPolicy['autonomy'] }): Promise<TopicPolicy> {
  const record = await readTrackRecord(db, input.siteId);
  const topic = record.topics.find((t) => t.scope === 'topic' && t.topic === input.topic);
  const recommendation = topic?.recommendation;
  if (!recommendation || recommendation.to !== input.autonomy) {
    const now = recommendation ? ` It now recommends ${recommendation.to}.` : topic?.status ? ` ${topic.status}` : '';
    throw new FieldError('CONFLICT', `The recommendation to set '${input.topic}' to ${input.autonomy} no longer holds.${now}`, { autonomy: 'no longer recommended' });
  }
  return setTopic(db, who, { siteId: input.siteId, name: input.topic, autonomy: recommendation.to, reason: recommendation.text });
}
