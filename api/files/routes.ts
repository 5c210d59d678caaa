import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { fileController } from './controller';
import { fileParams } from './schemas';
import { FileService } from './service';

/** Reading stored files. Uploads arrive through the routes that own them (e.g. submissions). */
export function fileRoutes(deps: ApiDeps, files: FileService = new FileService(deps)): ApiRouter {
  const { requireAuth } = deps.auth;
  const c = fileController(files, deps.logger);
  const router = new ApiRouter('/api/v2/files');
  router.get('/:id', requireAuth, validate({ params: fileParams }), c.download);
  router.get('/:id/thumbnail', requireAuth, validate({ params: fileParams }), c.thumbnail);
  return router;
}
