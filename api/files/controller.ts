import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../common/logger';
import { ConflictError, NotFoundError, UnprocessableError } from '../../common/errors';
import { StorageObjectMissingError, type Storage } from '../../common/storage';
import type { StoredFile } from '../../common/models';
import { input } from '../http/validate';
import type { FileService } from './service';
import type { FileParams } from './schemas';
import { contentDisposition, contentType, isInlineType, SANDBOX_CSP } from './headers';

const ARCHIVE_TYPES = new Set(['application/zip']);

interface Body {
  storage: Storage;
  key: string;
  mime: string;
  size?: number;
  etag: string;
  /** when the bytes came to be; they never change after that */
  lastModified: Date;
  name: string;
}

export function fileController(files: FileService, logger: Logger) {
  const readable = async (req: Request): Promise<StoredFile> => {
    const { id } = input<FileParams>(req, 'params');
    const file = await files.findReadable(req.user!, id);
    if (!file) throw new NotFoundError('File');
    return file;
  };

  const send = async (req: Request, res: Response, body: Body): Promise<void> => {
    // the validators go on first: Express's `req.fresh` weighs the request's If-None-Match and
    // If-Modified-Since (lists, weak tags, `no-cache`) against the response headers already set
    res.setHeader('ETag', body.etag);
    res.setHeader('Last-Modified', body.lastModified.toUTCString());
    res.setHeader('Cache-Control', 'private, no-cache');
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    let stream: Readable;
    try {
      stream = await body.storage.get(body.key);
    } catch (err) {
      for (const header of ['ETag', 'Last-Modified', 'Cache-Control']) res.removeHeader(header);
      if (!(err instanceof StorageObjectMissingError)) throw err;
      logger.error('stored file has no content', { key: body.key, driver: body.storage.driver });
      throw new NotFoundError('File');
    }
    res.status(200);
    res.setHeader('Content-Type', contentType(body.mime));
    res.setHeader('Content-Disposition', contentDisposition(isInlineType(body.mime) ? 'inline' : 'attachment', body.name));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (body.size !== undefined) res.setHeader('Content-Length', String(body.size));
    if (body.mime !== 'application/pdf') res.setHeader('Content-Security-Policy', SANDBOX_CSP);
    try {
      await pipeline(stream, res);
    } catch (err) {
      // mostly a client that went away mid-download; nothing to answer any more
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        logger.warn('file stream failed', { key: body.key, error: (err as Error).message });
      }
      res.destroy();
    }
  };

  const download: RequestHandler = async (req, res) => {
    const file = await readable(req);
    if (file.status === 'rejected') {
      throw new UnprocessableError('FILE_REJECTED', `This file was rejected: ${file.rejectionReason ?? 'no reason given'}`);
    }
    // an archive is only handed out once checked: whoever opens it may extract it
    if (file.status === 'processing' && ARCHIVE_TYPES.has(file.mimeType)) {
      throw new ConflictError('This archive is still being checked; try again in a moment', 'FILE_PROCESSING');
    }
    await send(req, res, {
      storage: files.storageOf(file),
      key: file.storageKey,
      mime: file.mimeType,
      size: file.size,
      etag: `"${file.sha256}"`,
      lastModified: file.createdAt,
      name: file.originalName,
    });
  };

  const thumbnail: RequestHandler = async (req, res) => {
    const file = await readable(req);
    const key = file.metadata?.thumbnailKey;
    if (!key || file.status !== 'ready') throw new NotFoundError('Thumbnail');
    await send(req, res, {
      storage: files.storageOf(file),
      key,
      mime: 'image/webp',
      etag: `"${file.sha256}-thumb"`,
      // the thumbnail is written by processing, which ends with the file's last update
      lastModified: file.updatedAt,
      name: `${file.originalName.replace(/\.[^.]*$/, '')}-thumbnail.webp`,
    });
  };

  return { download, thumbnail };
}
