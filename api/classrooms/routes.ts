import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import type { ApiDeps } from '../deps';
import { listQuery } from './schemas';
import { list } from './controller';

export function classroomRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  return new ApiRouter('/api/v2/classrooms').get('/', requireAuth, requireRole('teacher', 'admin'), validate({ query: listQuery }), list);
}
