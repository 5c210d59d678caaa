import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { publicRead } from '../middleware/public-guards';
import { publicController } from './controller';
import type { PublicHomeService } from './service';

/** The homepage feed (README.md#homepage-feed-and-public-caching). The same for everyone. */
export function publicRoutes(deps: ApiDeps, service: PublicHomeService): ApiRouter {
  const c = publicController(service);
  return new ApiRouter('/api/v2/public').get('/home', ...publicRead(deps, 60), c.home);
}
