import { pipeline } from 'node:stream/promises';
import type { RequestHandler } from 'express';
import type { Logger } from '../../common/logger';
import { NotFoundError } from '../../common/errors';
import { StorageObjectMissingError } from '../../common/storage';
import { input } from '../http/validate';
import type { FileService } from '../files/service';
import { contentDisposition, contentType, SANDBOX_CSP } from '../files/headers';
import type { PublishedFileService, PublicVariant } from './service';

const YEAR_SECONDS = 365 * 24 * 3600;

export function publishedFileController(published: PublishedFileService, files: FileService, logger: Logger) {
  const deliver: RequestHandler = async (req, res) => {
    const { sha256, variant } = input<{ sha256: string; variant: PublicVariant }>(req, 'params');
    const file = await published.findPublished(sha256);
    const key = file && published.keyOf(file, variant);
    if (!file || !key) throw new NotFoundError('File');
    // the URL names the content, so what it answers never changes
    res.setHeader('ETag', `"${sha256}-${variant}"`);
    res.setHeader('Cache-Control', `public, max-age=${YEAR_SECONDS}, immutable`);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    let stream;
    try {
      stream = await files.storageOf(file).get(key);
    } catch (err) {
      res.removeHeader('ETag');
      res.removeHeader('Cache-Control');
      if (!(err instanceof StorageObjectMissingError)) throw err;
      logger.error('published file has no content', { key });
      throw new NotFoundError('File');
    }
    const mime = variant === 'original' ? file.mimeType : 'image/webp';
    res.status(200);
    res.setHeader('Content-Type', contentType(mime));
    res.setHeader(
      'Content-Disposition',
      contentDisposition('inline', variant === 'original' ? file.originalName : `${sha256.slice(0, 12)}-${variant}`),
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', SANDBOX_CSP);
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    try {
      await pipeline(stream, res);
    } catch {
      res.destroy();
    }
  };
  return { deliver };
}
