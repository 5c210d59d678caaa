import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { noFields, validate } from '../http/validate';
import { createRateLimiter } from '../middleware/rate-limit';
import { createCodingLabController } from './controller';
import {
  createSubmissionBody,
  createTaskBody,
  idOrSlugParams,
  idParams,
  replaceTestsBody,
  runBody,
  runQuery,
  submissionListQuery,
  taskListQuery,
  updateTaskBody,
} from './schemas';

export function codingLabRoutes(deps: ApiDeps): ApiRouter {
  const c = createCodingLabController(deps);
  const { requireAuth, requireRole } = deps.auth;
  const staff = requireRole('teacher', 'admin');
  const r = new ApiRouter('/api/v2/coding-lab');
  r.router.use(requireAuth);

  // the playground runs arbitrary code on demand, so it has a limit of its own, per user
  const runLimit = deps.config.rateLimit.enabled
    ? [
        createRateLimiter({
          name: 'coding-run',
          windowMs: deps.config.rateLimit.windowMs,
          max: deps.config.rateLimit.runMax,
          redis: deps.redis,
          prefix: deps.config.redis.prefix,
          key: (req) => req.user?.id,
          message: 'Too many playground runs, try again later',
        }),
      ]
    : [];

  // no query, no params: ApiRouter refuses any query string on it
  r.get('/languages', c.listLanguages);
  r.get('/tasks', validate({ query: taskListQuery }), c.listTasks);
  r.post('/tasks', staff, validate({ body: createTaskBody }), c.createTask);
  r.get('/tasks/:idOrSlug', validate({ params: idOrSlugParams }), c.getTask);
  r.patch('/tasks/:id', staff, validate({ params: idParams, body: updateTaskBody }), c.updateTask);
  r.put('/tasks/:id/tests', staff, validate({ params: idParams, body: replaceTestsBody }), c.replaceTests);
  r.delete('/tasks/:id', staff, validate({ params: idParams, body: noFields }), c.deleteTask);
  r.post('/tasks/:id/rejudge', staff, validate({ params: idParams, body: noFields }), c.rejudge);
  r.get('/rejudges/:id', staff, validate({ params: idParams }), c.getRejudge);

  r.post('/submissions', validate({ body: createSubmissionBody }), c.submit);
  r.get('/submissions', validate({ query: submissionListQuery }), c.listSubmissions);
  r.get('/submissions/:id', validate({ params: idParams }), c.getSubmission);

  r.post('/run', ...runLimit, validate({ body: runBody, query: runQuery }), c.run);
  r.get('/runs/:id', validate({ params: idParams }), c.getRun);
  return r;
}
