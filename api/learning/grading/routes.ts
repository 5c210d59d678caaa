import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { validate } from '../../http/validate';
import type { LearningServices } from '../services';
import { idParams } from '../params';
import { GradingService } from './service';
import { gradingController } from './controller';
import * as s from './schemas';

/** Teachers (their classrooms) and admins (all) grade a submission and hand it back. */
export function gradingRoutes(deps: ApiDeps, learning: LearningServices): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = gradingController(new GradingService(deps.sequelize, learning.submissions, deps.realtime));
  return new ApiRouter('/api/v2/admin/submissions').patch(
    '/:id/grade',
    requireAuth,
    requireRole('teacher', 'admin'),
    validate({ params: idParams, body: s.gradeBody }),
    c.grade,
  );
}
