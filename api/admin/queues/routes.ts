import type { RequestHandler } from 'express';
import { lazyModule } from '../../../common/runtime/lazy-module';
import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { noFields, validate } from '../../http/validate';
import { QueueSessions, QUEUE_DASHBOARD_PATH } from './session';
import { queueDashboardGuard } from './guard';
import { queueSessionController } from './controller';

/**
 * bull-board at /api/v2/admin/queues for admins (README.md#admin-queue-dashboard). The session route
 * is an ordinary documented route; bull-board's own pages and API are mounted as a sub-app behind the
 * cookie guard, outside the OpenAPI document (test/foundation/openapi.test.ts says so).
 */
export function queueDashboardRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const sessions = new QueueSessions(deps.config);
  const c = queueSessionController(sessions, deps.config.isProduction);

  // bull-board (its UI, React bundle list and adapters) is built on the first admin visit, not at start-up
  const board = lazyModule(() => {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use (lazy-module.ts) */
    const { createBullBoard } = require('@bull-board/api') as typeof import('@bull-board/api');
    const { BullMQAdapter } = require('@bull-board/api/bullMQAdapter') as typeof import('@bull-board/api/bullMQAdapter');
    const { ExpressAdapter } = require('@bull-board/express') as typeof import('@bull-board/express');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const adapter = new ExpressAdapter();
    adapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({ queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
    return adapter.getRouter() as RequestHandler;
  });

  const api = new ApiRouter(QUEUE_DASHBOARD_PATH).post('/session', requireAuth, requireRole('admin'), validate({ body: noFields }), c.open);
  api.router.use(queueDashboardGuard(sessions, deps.revocation), (req, res, next) => board()(req, res, next));
  return api;
}
