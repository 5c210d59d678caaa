import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { noFields, validate } from '../http/validate';
import { createRateLimiter } from '../middleware/rate-limit';
import { createAiEvaluationController } from './controller';
import { evaluationListQuery, idParams } from './schemas';

/**
 * Mounted at `/api/v2` because its routes live under two resources; authentication is therefore
 * wired per route, never with `router.use`, which would reach every other `/api/v2` request.
 */
export function aiEvaluationRoutes(deps: ApiDeps): ApiRouter {
  const c = createAiEvaluationController(deps);
  const { requireAuth } = deps.auth;
  const r = new ApiRouter('/api/v2');

  // each evaluation may cost a paid model call, so each user has a budget of their own
  const evaluateLimit = deps.config.rateLimit.enabled
    ? [
        createRateLimiter({
          name: 'ai-evaluate',
          windowMs: deps.config.rateLimit.windowMs,
          max: deps.config.ai.evaluateRateLimitMax,
          redis: deps.redis,
          prefix: deps.config.redis.prefix,
          key: (req) => req.user?.id,
          message: 'Too many evaluation requests, try again later',
        }),
      ]
    : [];

  r.post('/coding-lab/submissions/:id/evaluate', requireAuth, ...evaluateLimit, validate({ params: idParams, body: noFields }), c.evaluate);
  r.get('/coding-lab/submissions/:id/evaluations', requireAuth, validate({ params: idParams, query: evaluationListQuery }), c.listForSubmission);
  r.get('/ai-evaluations/:id', requireAuth, validate({ params: idParams }), c.get);
  return r;
}
