import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { dashboardController } from './controller';

/** The admin overview (README.md#admin-dashboard). */
export function adminDashboardRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = dashboardController(deps.sequelize, deps.queues);
  return new ApiRouter('/api/v2/admin/dashboard').get('/', requireAuth, requireRole('admin'), c.get);
}
