import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/router';
import { createLearningServices } from './services';
import { staffAssignmentRoutes, studentAssignmentRoutes } from './assignments/routes';
import { submissionRoutes } from './submissions/routes';
import { gradingRoutes } from './grading/routes';
import { dashboardRoutes } from './dashboard/routes';

/** The learning feature's routers, sharing one set of services; README.md in this folder maps each URL to its folder. */
export function learningRouters(deps: ApiDeps): ApiRouter[] {
  const learning = createLearningServices(deps);
  return [
    studentAssignmentRoutes(deps, learning),
    submissionRoutes(deps, learning),
    staffAssignmentRoutes(deps),
    gradingRoutes(deps, learning),
    dashboardRoutes(deps, learning),
  ];
}
