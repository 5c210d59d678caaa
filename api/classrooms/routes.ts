import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { createRateLimiter } from '../middleware/rate-limit';
import type { ApiDeps } from '../deps';
import { idParams, joinBody, listQuery } from './schemas';
import { joinCodeController, list } from './controller';
import { ClassroomJoinService } from './join-service';

const FIFTEEN_MINUTES = 15 * 60_000;

export function classroomRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = joinCodeController(new ClassroomJoinService(deps.realtime));
  const staff = [requireAuth, requireRole('teacher', 'admin')];
  // a signed-in student must not be able to walk the code space: as many tries as a login gets
  const joinLimit = deps.config.rateLimit.enabled
    ? [
        createRateLimiter({
          redis: deps.redis,
          prefix: deps.config.redis.prefix,
          name: 'classroom-join-user',
          windowMs: FIFTEEN_MINUTES,
          max: deps.config.rateLimit.authEmailMax,
          key: (req) => (req.user ? `user:${req.user.id}` : undefined),
          message: 'Too many join attempts, try again later',
        }),
      ]
    : [];
  return new ApiRouter('/api/v2/classrooms')
    .get('/', ...staff, validate({ query: listQuery }), list)
    .post('/join', requireAuth, requireRole('student'), ...joinLimit, validate({ body: joinBody }), c.join)
    .post('/:id/join-code', ...staff, validate({ params: idParams }), c.rotate)
    .delete('/:id/join-code', ...staff, validate({ params: idParams }), c.disable);
}
