import Joi from 'joi';
import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { anonymousLimit } from '../middleware/public-guards';
import type { FileService } from '../files/service';
import { publishedFileController } from './controller';
import { PUBLIC_VARIANTS, type PublishedFileService } from './service';

const params = Joi.object({
  sha256: Joi.string()
    .pattern(/^[0-9a-f]{64}$/)
    .required(),
  variant: Joi.string()
    .valid(...PUBLIC_VARIANTS)
    .required(),
});

/** Public, token-free delivery of published files (README.md#gallery-and-public-images). */
export function publishedFileRoutes(deps: ApiDeps, published: PublishedFileService, files: FileService): ApiRouter {
  const c = publishedFileController(published, files, deps.logger);
  return new ApiRouter('/api/v2/public/files').get('/:sha256/:variant', anonymousLimit(deps), validate({ params }), c.deliver);
}
