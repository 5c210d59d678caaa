import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { noFields, validate } from '../http/validate';
import type { LearningServices } from '../tutorial/services';
import { AdminAssignmentService } from './assignments-service';
import { GradingService } from './grading-service';
import { adminLearningController } from './assignments-controller';
import * as s from './assignments-schemas';

/** Teachers (their classrooms) and admins (all): set work, grade it, hand it back. */
export function adminLearningRoutes(deps: ApiDeps, learning: LearningServices): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = adminLearningController(
    new AdminAssignmentService(deps.sequelize, deps.queues),
    new GradingService(deps.sequelize, learning.submissions, deps.realtime),
  );
  const staff = [requireAuth, requireRole('teacher', 'admin')];
  return new ApiRouter('/api/v2/admin')
    .get('/assignments', ...staff, validate({ query: s.adminAssignmentQuery }), c.list)
    .post('/assignments', ...staff, validate({ body: s.createAssignmentBody }), c.create)
    .patch('/assignments/:id', ...staff, validate({ params: s.idParams, body: s.updateAssignmentBody }), c.update)
    .delete('/assignments/:id', ...staff, validate({ params: s.idParams, body: noFields }), c.remove)
    .patch('/submissions/:id/grade', ...staff, validate({ params: s.idParams, body: s.gradeBody }), c.grade);
}
