import { router } from '../trpc';
import { signalRouter } from './signal';
import { siteRouter } from './site';

export const appRouter = router({
  site: siteRouter,
  signal: signalRouter,
});

export type AppRouter = typeof appRouter;
