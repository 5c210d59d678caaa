import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
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

  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)), serverAdapter: board });

  const api = new ApiRouter(QUEUE_DASHBOARD_PATH).post('/session', requireAuth, requireRole('admin'), validate({ body: noFields }), c.open);
  api.router.use(queueDashboardGuard(sessions, deps.revocation), board.getRouter() as RequestHandler);
  return api;
}
