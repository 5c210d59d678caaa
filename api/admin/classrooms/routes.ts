import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { validate } from '../../http/validate';
import { RefreshSessions } from '../../auth/sessions';
import { AdminClassroomService } from './service';
import { adminClassroomController } from './controller';
import * as s from './schemas';

/** Admins create, rename and archive classrooms and staff them (README.md#admin-people). */
export function adminClassroomRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = adminClassroomController(new AdminClassroomService(deps.sequelize, new RefreshSessions(deps.sequelize, deps.config, deps.revocation)));
  const admin = [requireAuth, requireRole('admin')];
  return new ApiRouter('/api/v2/admin/classrooms')
    .post('/', ...admin, validate({ body: s.createClassroomBody }), c.create)
    .patch('/:id', ...admin, validate({ params: s.idParams, body: s.updateClassroomBody }), c.update)
    .put('/:id/teachers', ...admin, validate({ params: s.idParams, body: s.teachersBody }), c.setTeachers)
    .post('/:id/students', ...admin, validate({ params: s.idParams, body: s.moveStudentsBody }), c.moveStudents);
}
