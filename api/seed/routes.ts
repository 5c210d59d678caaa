import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { seedController } from './controller';
import { SeedService } from './service';

/**
 * `POST /seed/reset` and `POST /seed/demo-activity`, admin only. They exist only when NODE_ENV is not
 * production and SEED_ROUTES_ENABLED=true (the configuration forces it off in production): otherwise
 * no router is mounted and they answer 404 like any unknown path. README.md#development-seed-routes.
 */
export function seedRoutes(deps: ApiDeps): ApiRouter[] {
  if (!deps.config.site.seedRoutesEnabled || deps.config.isProduction) return [];
  const { requireAuth, requireRole } = deps.auth;
  const c = seedController(new SeedService(deps));
  const admin = [requireAuth, requireRole('admin')];
  return [new ApiRouter('/api/v2/seed').post('/reset', ...admin, c.reset).post('/demo-activity', ...admin, c.demoActivity)];
}
