import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import multer, { type StorageEngine } from 'multer';
import { PayloadTooLargeError } from '../../common/errors';
import { UPLOAD_LIMITS, multipartError } from '../http/multipart';

export { UPLOAD_LIMITS };

export const UPLOAD_TMP_DIR = path.join(os.tmpdir(), 'gema-uploads');

/**
 * The size cap of the files of this request (e.g. its assignment's), when the route can tell from what
 * has arrived so far: the URL, and the text fields sent before the file. Undefined: the hard cap only.
 */
export type UploadCap = (req: Request) => Promise<number | undefined>;

export interface ReceiveUploadsOptions {
  /** at most this many files (capped at 5) */
  maxFiles?: number;
  /** the multipart field the files come in, `files` by default */
  field?: string;
  /** a narrower cap than 25 MB, applied while the file streams in */
  capFor?: UploadCap;
}

/**
 * Disk storage that stops writing a file the moment it passes the request's cap, instead of taking
 * up to 25 MB to disk for the service to refuse afterwards. Multer then drains the rest of the body
 * and removes what was written.
 */
class CappedDiskStorage implements StorageEngine {
  constructor(private readonly capFor?: UploadCap) {}

  _handleFile(req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const target = path.join(UPLOAD_TMP_DIR, crypto.randomBytes(16).toString('hex'));
    const fail = (err: unknown) => {
      void fs.promises.rm(target, { force: true }).finally(() => cb(err));
    };
    const receive = async () => {
      const cap = Math.min((await this.capFor?.(req)) ?? UPLOAD_LIMITS.maxFileBytes, UPLOAD_LIMITS.maxFileBytes);
      await fs.promises.mkdir(UPLOAD_TMP_DIR, { recursive: true });
      const out = fs.createWriteStream(target);
      let size = 0;
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        if (err) {
          // leave the part unread: multer stops parsing and drains the request itself
          file.stream.unpipe(out);
          out.destroy();
          fail(err);
          return;
        }
        cb(null, { destination: UPLOAD_TMP_DIR, filename: path.basename(target), path: target, size });
      };
      file.stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > cap)
          finish(new PayloadTooLargeError(`${file.originalname} is larger than ${cap} bytes`, { name: file.originalname, maxBytes: cap }));
      });
      file.stream.on('error', finish);
      out.on('error', finish);
      out.on('finish', () => finish());
      file.stream.pipe(out);
    };
    receive().catch(fail);
  }

  _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void): void {
    fs.promises.rm(file.path, { force: true }).then(() => cb(null), cb);
  }
}

function uploadedPaths(req: Request): string[] {
  const files = req.files;
  const list = Array.isArray(files) ? files : files ? Object.values(files).flat() : [];
  if (req.file) list.push(req.file);
  return list.map((f) => f.path).filter(Boolean);
}

/**
 * Receives up to `maxFiles` files of one multipart field to a temporary directory (never memory),
 * with hard limits on every part of the form. The temporary files are removed when the response
 * ends, whatever happened; handlers copy what they keep through `FileService.store`.
 * Put it after `requireAuth`, so nobody unauthenticated gets to stream 125 MB to the disk.
 */
export function receiveUploads(options: ReceiveUploadsOptions = {}): RequestHandler {
  const maxFiles = Math.max(1, Math.min(options.maxFiles ?? UPLOAD_LIMITS.maxFiles, UPLOAD_LIMITS.maxFiles));
  const field = options.field ?? 'files';
  const parser = multer({
    storage: new CappedDiskStorage(options.capFor),
    limits: {
      fileSize: UPLOAD_LIMITS.maxFileBytes,
      files: maxFiles,
      fields: UPLOAD_LIMITS.maxFields,
      fieldSize: UPLOAD_LIMITS.maxFieldBytes,
      fieldNameSize: UPLOAD_LIMITS.maxFieldNameBytes,
      parts: UPLOAD_LIMITS.maxParts,
      headerPairs: 200,
    },
    // browsers send UTF-8 filenames without RFC 2231 encoding; busboy would read them as latin1
    defParamCharset: 'utf8',
  }).array(field, maxFiles);

  return (req, res, next) => {
    let cleaned = false;
    const cleanUp = () => {
      if (cleaned) return;
      cleaned = true;
      for (const file of uploadedPaths(req)) fs.promises.rm(file, { force: true }).catch(() => undefined);
    };
    res.once('finish', cleanUp);
    res.once('close', cleanUp);
    parser(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      next(multipartError(err, maxFiles));
    });
  };
}
