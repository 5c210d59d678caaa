import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { tutorialController } from './controller';
import * as s from './schemas';
import type { LearningServices } from './services';

/** What a student opens every day: assignments to do, and the work handed in. */
export function tutorialRoutes(deps: ApiDeps, learning: LearningServices): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = tutorialController(learning.studentAssignments, learning.submissions);
  const receive = learning.files.receive;
  return new ApiRouter('/api/v2/tutorial')
    .get('/assignments', requireAuth, requireRole('student'), validate({ query: s.studentAssignmentQuery }), c.listAssignments)
    .get('/assignments/:id', requireAuth, validate({ params: s.idParams }), c.getAssignment)
    .get('/submissions', requireAuth, validate({ query: s.submissionListQuery }), c.listSubmissions)
    .post('/submissions', requireAuth, requireRole('student'), receive, validate({ body: s.newSubmissionBody }), c.createSubmission)
    .get('/submissions/:id', requireAuth, validate({ params: s.idParams }), c.getSubmission)
    .patch('/submissions/:id', requireAuth, receive, validate({ params: s.idParams, body: s.submissionChangeBody }), c.updateSubmission);
}
