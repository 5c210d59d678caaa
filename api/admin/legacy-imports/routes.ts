import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { validate } from '../../http/validate';
import { LegacyImportService } from './service';
import { legacyImportsController } from './controller';
import * as s from './schemas';

/** Importing the old GEMA's database, admins only (README.md#moving-from-the-old-gema). */
export function legacyImportRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = legacyImportsController(new LegacyImportService(deps));
  const admin = [requireAuth, requireRole('admin')];
  return new ApiRouter('/api/v2/admin/legacy-imports')
    .post('/', ...admin, validate({ body: s.startBody }), c.start)
    .get('/', ...admin, validate({ query: s.listQuery }), c.list)
    .get('/:id', ...admin, validate({ params: s.runParams }), c.get);
}
