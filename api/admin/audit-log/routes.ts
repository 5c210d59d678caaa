import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { validate } from '../../http/validate';
import { auditLogQuery } from './schemas';
import { list } from './controller';

/** The audit log, admins only (README.md#admin-school-events-and-audit-log). */
export function auditLogRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  return new ApiRouter('/api/v2/admin/audit-log').get('/', requireAuth, requireRole('admin'), validate({ query: auditLogQuery }), list);
}
