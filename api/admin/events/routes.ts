import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { noFields, validate } from '../../http/validate';
import { SchoolEventService } from './service';
import { schoolEventController } from './controller';
import * as s from './schemas';

/**
 * School events (the GEMA app's "activities", README.md#admin-school-events-and-audit-log): admins
 * manage them; the homepage reads the active ones without signing in.
 */
export function schoolEventRoutes(deps: ApiDeps): ApiRouter[] {
  const { requireAuth, requireRole } = deps.auth;
  const c = schoolEventController(new SchoolEventService());
  const admin = [requireAuth, requireRole('admin')];
  return [
    new ApiRouter('/api/v2/admin/activities')
      .get('/', ...admin, validate({ query: s.eventListQuery }), c.list)
      .post('/', ...admin, validate({ body: s.createEventBody }), c.create)
      .patch('/:id', ...admin, validate({ params: s.idParams, body: s.updateEventBody }), c.update)
      .delete('/:id', ...admin, validate({ params: s.idParams, body: noFields }), c.remove),
    new ApiRouter('/api/v2/activities').get('/active', validate({ query: s.activeEventsQuery }), c.active),
  ];
}
