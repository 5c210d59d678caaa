import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { DashboardService } from './service';
import { ProgressService } from './progress-service';
import { dashboardController } from './controller';
import type { LearningServices } from '../services';

/** The student's own home screen and progress report; nothing here takes another user's id. */
export function dashboardRoutes(deps: ApiDeps, learning: LearningServices): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = dashboardController(new DashboardService(deps.sequelize), new ProgressService(deps.sequelize), learning.pages);
  return new ApiRouter('/api/v2/student')
    .get('/dashboard', requireAuth, requireRole('student'), c.getDashboard)
    .get('/progress', requireAuth, requireRole('student'), c.getProgress);
}
