import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import type { ApiDeps } from '../deps';
import { streamHandlers } from '../streams/http';
import { idParams, listQuery, settingsBody } from './schemas';
import { notificationController } from './controller';
import { NotificationService } from './service';

/** README.md#notifications */
export function notificationRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth } = deps.auth;
  const c = notificationController(new NotificationService());
  const streams = streamHandlers(deps, 'notifications');
  return new ApiRouter('/api/v2/notifications')
    .get('/', requireAuth, validate({ query: listQuery }), c.list)
    .post('/read-all', requireAuth, c.markAllRead)
    .get('/settings', requireAuth, c.settings)
    .put('/settings', requireAuth, validate({ body: settingsBody }), c.updateSettings)
    .post('/stream-ticket', ...streams.ticket)
    .get('/stream', ...streams.stream)
    .patch('/:id/read', requireAuth, validate({ params: idParams }), c.markRead);
}
