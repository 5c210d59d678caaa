import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { optionalAuth } from '../middleware/optional-auth';
import { publicRead } from '../middleware/public-guards';
import { announcementController } from './controller';
import { createBody, idParams, listQuery, updateBody } from './schemas';
import { AnnouncementService } from './service';

/** Public reading (anonymous or signed in) and staff writing; README.md#announcements. */
export function announcementRoutes(deps: ApiDeps, service = new AnnouncementService(deps)): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = announcementController(service);
  const staff = [requireAuth, requireRole('teacher', 'admin')];
  return new ApiRouter('/api/v2/announcements')
    .get('/', ...publicRead(deps, 60), optionalAuth(deps.auth), validate({ query: listQuery }), c.list)
    .get('/:id', ...publicRead(deps, 0, false), optionalAuth(deps.auth), validate({ params: idParams }), c.show)
    .post('/', ...staff, validate({ body: createBody }), c.create)
    .patch('/:id', ...staff, validate({ params: idParams, body: updateBody }), c.update)
    .delete('/:id', ...staff, validate({ params: idParams }), c.remove);
}
