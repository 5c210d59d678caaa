import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import multer, { MulterError } from 'multer';
import { AppError, BadRequestError, PayloadTooLargeError } from '../../common/errors';

/** Hard caps, whatever an assignment allows: the service narrows them, never widens them. */
export const UPLOAD_LIMITS = {
  maxFileBytes: 25 * 1024 * 1024,
  maxFiles: 5,
  /** text fields next to the files (assignmentId, content, …) */
  maxFields: 20,
  maxFieldBytes: 100 * 1024,
  maxFieldNameBytes: 100,
  maxParts: 30,
} as const;

export const UPLOAD_TMP_DIR = path.join(os.tmpdir(), 'gema-uploads');

export interface ReceiveUploadsOptions {
  /** at most this many files (capped at 5) */
  maxFiles?: number;
  /** the multipart field the files come in, `files` by default */
  field?: string;
}

/** Multer's limit errors in the common envelope, each with a code a client can act on. */
export function mapMulterError(err: MulterError, maxFiles: number): AppError {
  switch (err.code) {
    case 'LIMIT_FILE_SIZE':
      return new PayloadTooLargeError(`A file is larger than ${UPLOAD_LIMITS.maxFileBytes} bytes`, {
        field: err.field,
        maxBytes: UPLOAD_LIMITS.maxFileBytes,
      });
    case 'LIMIT_FILE_COUNT':
      return new AppError(413, 'TOO_MANY_FILES', `At most ${maxFiles} files may be sent at once`, { maxFiles });
    case 'LIMIT_FIELD_VALUE':
      return new PayloadTooLargeError(`A field is longer than ${UPLOAD_LIMITS.maxFieldBytes} bytes`, { field: err.field });
    case 'LIMIT_PART_COUNT':
    case 'LIMIT_FIELD_COUNT':
      return new AppError(413, 'TOO_MANY_PARTS', 'The form has too many fields or parts', { reason: err.code });
    case 'LIMIT_UNEXPECTED_FILE':
      return new BadRequestError('UNEXPECTED_FILE_FIELD', `Files are not accepted in the field "${err.field ?? ''}"`, {
        field: err.field,
      });
    default:
      return new BadRequestError('INVALID_UPLOAD', err.message, { field: err.field, reason: err.code });
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
    storage: multer.diskStorage({ destination: UPLOAD_TMP_DIR }),
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
      if (err instanceof MulterError) return next(mapMulterError(err, maxFiles));
      next(err as Error | undefined);
    });
  };
}
