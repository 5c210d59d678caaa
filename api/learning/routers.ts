import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/router';
import { createLearningServices } from './services';
import { tutorialRoutes } from './routes';
import { adminLearningRoutes } from '../admin/assignments-routes';
import { studentLearningRoutes } from '../student/dashboard-routes';

/** The learning core's routers (tutorial, admin assignments and grading, student dashboard), sharing one set of services. */
export function learningRouters(deps: ApiDeps): ApiRouter[] {
  const learning = createLearningServices(deps);
  return [tutorialRoutes(deps, learning), adminLearningRoutes(deps, learning), studentLearningRoutes(deps)];
}
