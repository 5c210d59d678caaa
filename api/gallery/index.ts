import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/router';
import { FileService } from '../files/service';
import { PublishedFileService } from '../published-files/service';
import { publishedFileRoutes } from '../published-files/routes';
import { galleryRoutes } from './routes';
import { GalleryService } from './service';
import { PublicHomeService } from '../public/service';
import { publicRoutes } from '../public/routes';

/**
 * The public site's image-bearing routers: the gallery, the public file path it publishes to, and the
 * homepage feed that shows gallery pictures, sharing one files service and one gallery service.
 */
export function siteRouters(deps: ApiDeps): ApiRouter[] {
  const files = new FileService(deps);
  const published = new PublishedFileService(deps);
  const gallery = new GalleryService(files, published);
  return [
    galleryRoutes(deps, gallery),
    publishedFileRoutes(deps, published, files),
    publicRoutes(deps, new PublicHomeService(deps, gallery, published)),
  ];
}
