import { router } from '../trpc';
import { conversationRouter } from './conversation';
import { escalationRouter } from './escalation';
import { signalRouter } from './signal';
import { siteRouter } from './site';
import { staffRouter } from './staff';

export const appRouter = router({
  site: siteRouter,
  signal: signalRouter,
  staff: staffRouter,
  escalation: escalationRouter,
  conversation: conversationRouter,
});

export type AppRouter = typeof appRouter;
