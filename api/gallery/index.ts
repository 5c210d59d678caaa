import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/router';
import { FileService } from '../files/service';
import { PublishedFileService } from '../published-files/service';
import { publishedFileRoutes } from '../published-files/routes';
import { galleryRoutes } from './routes';
import { GalleryService } from './service';

/** The gallery and the public file path it publishes to, sharing one files service. */
export function galleryRouters(deps: ApiDeps): ApiRouter[] {
  const files = new FileService(deps);
  const published = new PublishedFileService(deps);
  return [galleryRoutes(deps, new GalleryService(files, published)), publishedFileRoutes(deps, published, files)];
}
