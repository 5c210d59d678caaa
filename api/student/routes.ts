import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import type { ApiDeps } from '../deps';
import { profilePatchBody } from './schemas';
import { patchProfile, showProfile } from './controller';

export function studentRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  return new ApiRouter('/api/v2/student')
    .get('/profile', requireAuth, requireRole('student'), showProfile)
    .patch('/profile', requireAuth, requireRole('student'), validate({ body: profilePatchBody }), patchProfile);
}
