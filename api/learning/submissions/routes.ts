import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { validate } from '../../http/validate';
import { submissionController } from './controller';
import * as s from './schemas';
import { idParams } from '../params';
import type { LearningServices } from '../services';

/** The work handed in: students hand in and rework, staff read and return it. */
export function submissionRoutes(deps: ApiDeps, learning: LearningServices): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = submissionController(learning.submissions);
  const receive = learning.files.receive;
  return new ApiRouter('/api/v2/tutorial/submissions')
    .get('/', requireAuth, validate({ query: s.submissionListQuery }), c.list)
    .post('/', requireAuth, requireRole('student'), receive, validate({ body: s.newSubmissionBody }), c.create)
    .get('/:id', requireAuth, validate({ params: idParams }), c.get)
    .patch('/:id', requireAuth, receive, validate({ params: idParams, body: s.submissionChangeBody }), c.update);
}
