import { router } from '../trpc';
import { conversationRouter } from './conversation';
import { escalationRouter } from './escalation';
import { reviewRouter } from './review';
import { signalRouter } from './signal';
import { siteRouter } from './site';
import { staffRouter } from './staff';
import { traceRouter } from './trace';

export const appRouter = router({
  site: siteRouter,
  signal: signalRouter,
  staff: staffRouter,
  escalation: escalationRouter,
  conversation: conversationRouter,
  trace: traceRouter,
  review: reviewRouter,
});

export type AppRouter = typeof appRouter;
