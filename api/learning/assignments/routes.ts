import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { noFields, validate, validateQueryOrDefaults } from '../../http/validate';
import type { LearningServices } from '../services';
import { idParams } from '../params';
import { AdminAssignmentService } from './staff-service';
import { staffAssignmentController, studentAssignmentController } from './controller';
import * as s from './schemas';

/** What a student opens every day: the assignments to do. */
export function studentAssignmentRoutes(deps: ApiDeps, learning: LearningServices): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = studentAssignmentController(learning.studentAssignments, learning.pages);
  return new ApiRouter('/api/v2/tutorial/assignments')
    .get('/', requireAuth, requireRole('student'), validateQueryOrDefaults(s.studentAssignmentQuery), c.list)
    .get('/:id', requireAuth, validate({ params: idParams }), c.get);
}

/** Teachers (their classrooms) and admins (all): set work, change it, archive or delete it. */
export function staffAssignmentRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = staffAssignmentController(new AdminAssignmentService(deps.sequelize, deps.queues));
  const staff = [requireAuth, requireRole('teacher', 'admin')];
  return new ApiRouter('/api/v2/admin/assignments')
    .get('/', ...staff, validate({ query: s.adminAssignmentQuery }), c.list)
    .post('/', ...staff, validate({ body: s.createAssignmentBody }), c.create)
    .patch('/:id', ...staff, validate({ params: idParams, body: s.updateAssignmentBody }), c.update)
    .delete('/:id', ...staff, validate({ params: idParams, body: noFields }), c.remove);
}
