import { router } from '../trpc';
import { auditRouter } from './audit';
import { badgesRouter } from './calibration-settings';
import { conversationRouter } from './conversation';
import { draftRouter } from './draft';
import { escalationRouter } from './escalation';
import { identityRouter } from './identity';
import { ingestKeyRouter } from './ingest-key';
import { readinessRouter } from './readiness';
import { reviewRouter } from './review';
import { signalRouter } from './signal';
import { siteRouter } from './site';
import { staffRouter } from './staff';
import { topicRouter } from './topic';
import { traceRouter } from './trace';
import { trustRouter } from './trust';

export const appRouter = router({
  site: siteRouter,
  signal: signalRouter,
  staff: staffRouter,
  escalation: escalationRouter,
  draft: draftRouter,
  conversation: conversationRouter,
  trace: traceRouter,
  review: reviewRouter,
  ingestKey: ingestKeyRouter,
  audit: auditRouter,
  identity: identityRouter,
  topic: topicRouter,
  badges: badgesRouter,
  readiness: readinessRouter,
  trust: trustRouter,
});

export type AppRouter = typeof appRouter;
