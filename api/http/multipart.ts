import type { RequestHandler } from 'express';
import { MulterError } from 'multer';
import { AppError, BadRequestError, PayloadTooLargeError } from '../../common/errors';

/** Hard caps on a multipart form, whatever a route allows: routes narrow them, never widen them. */
export const UPLOAD_LIMITS = {
  maxFileBytes: 25 * 1024 * 1024,
  maxFiles: 5,
  /** text fields next to the files (assignmentId, content, …) */
  maxFields: 20,
  maxFieldBytes: 100 * 1024,
  maxFieldNameBytes: 100,
  maxParts: 30,
} as const;

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

/**
 * busboy reports a form it cannot read (no boundary, a body cut short, a bad part header, a missing
 * or broken Content-Type) and multer a request that ended early, each as a bare `Error` with no code;
 * the disk's own failures (ENOSPC, EACCES) carry a code and a bug is a TypeError or the like, so
 * neither is mistaken for the client's fault.
 */
function isUnreadableForm(err: unknown): err is Error {
  return err instanceof Error && err.constructor === Error && (err as NodeJS.ErrnoException).code === undefined;
}

/** Any error of parsing a multipart form in the common envelope: limits as 413/400, an unreadable form as 400. */
export function multipartError(err: unknown, maxFiles: number = UPLOAD_LIMITS.maxFiles): unknown {
  if (err instanceof MulterError) return mapMulterError(err, maxFiles);
  if (isUnreadableForm(err)) {
    return new BadRequestError('MALFORMED_MULTIPART', `The multipart form could not be read: ${err.message}`);
  }
  return err;
}

/**
 * Wraps a multer middleware so every way a form can be malformed answers 400 with a code rather than
 * reaching the error handler as an unknown error (a 500). Every route that accepts multipart uses it.
 */
export function multipart(parser: RequestHandler, maxFiles?: number): RequestHandler {
  return (req, res, next) => {
    parser(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      next(multipartError(err, maxFiles));
    });
  };
}
