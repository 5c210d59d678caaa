import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { validate } from '../../http/validate';
import { AnalyticsService } from './service';
import { analyticsController } from './controller';
import { analyticsQuery } from './schemas';

/** Classroom analytics for its teachers and admins (README.md#admin-analytics). */
export function analyticsRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = analyticsController(
    new AnalyticsService({
      sequelize: deps.sequelize,
      redis: deps.redis,
      logger: deps.logger,
      redisPrefix: deps.config.redis.prefix,
      cacheTtlSeconds: deps.config.analyticsCacheTtlSeconds,
    }),
  );
  return new ApiRouter('/api/v2/admin/analytics').get(
    '/',
    requireAuth,
    requireRole('teacher', 'admin'),
    validate({ query: analyticsQuery }),
    c.classroom,
  );
}
