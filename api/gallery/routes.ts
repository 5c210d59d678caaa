import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { receiveUploads } from '../files/upload';
import { optionalAuth } from '../middleware/optional-auth';
import { publicRead } from '../middleware/public-guards';
import { galleryController } from './controller';
import { createBody, idParams, listQuery, updateBody } from './schemas';
import { GALLERY_MAX_BYTES, type GalleryService } from './service';

/** Public gallery and its admin side (README.md#gallery-and-public-images). */
export function galleryRoutes(deps: ApiDeps, service: GalleryService): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = galleryController(service);
  const admin = [requireAuth, requireRole('admin')];
  return new ApiRouter('/api/v2/gallery')
    .get('/', ...publicRead(deps, 60), optionalAuth(deps.auth), validate({ query: listQuery }), c.list)
    .get('/:id', ...publicRead(deps, 60), optionalAuth(deps.auth), validate({ params: idParams }), c.show)
    .post(
      '/',
      ...admin,
      receiveUploads({ maxFiles: 1, field: 'image', capFor: async () => GALLERY_MAX_BYTES }),
      validate({ body: createBody }),
      c.create,
    )
    .patch('/:id', ...admin, validate({ params: idParams, body: updateBody }), c.update)
    .delete('/:id', ...admin, validate({ params: idParams }), c.remove);
}
