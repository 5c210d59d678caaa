import type { ErrorRequestHandler, RequestHandler } from 'express';
import Joi from 'joi';
import { MulterError } from 'multer';
import { AppError, NotFoundError, RateLimitedError, ServiceUnavailableError, ValidationError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { toFieldErrors } from '../http/validate';

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  code?: string;
}

/** Turns errors from body-parser, multer and joi into typed errors, so there is one envelope. */
function normalise(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (Joi.isError(err)) return new ValidationError(toFieldErrors(err));
  if (err instanceof MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE') {
      return new AppError(413, 'PAYLOAD_TOO_LARGE', 'A file or field is larger than allowed', { field: err.field });
    }
    return new AppError(400, 'INVALID_UPLOAD', err.message, { field: err.field, reason: err.code });
  }
  const e = err as HttpishError;
  if (e?.type === 'entity.parse.failed') return new AppError(400, 'INVALID_JSON', 'The request body is not valid JSON');
  if (e?.type === 'entity.too.large') return new AppError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported');
  }
  const status = e?.status ?? e?.statusCode;
  if (status && status >= 400 && status < 500 && e.expose !== false) {
    return new AppError(status, 'BAD_REQUEST', (err as Error).message);
  }
  // a Redis or PostgreSQL outage is a 503, not a bug
  if (e?.code === 'ECONNREFUSED' || (err as Error)?.name === 'SequelizeConnectionError') {
    return new ServiceUnavailableError('A backing service is unavailable, try again shortly', 5);
  }
  // every pooled connection stayed busy for the acquire timeout (a burst such as an exam hall's
  // 200 submissions in one second): the process is saturated, so the client is told to come back
  if ((err as Error)?.name === 'SequelizeConnectionAcquireTimeoutError') {
    return new ServiceUnavailableError('The server is busy, try again shortly', 2);
  }
  if ((err as Error)?.message?.includes("Stream isn't writeable")) {
    return new ServiceUnavailableError('The job queue is unavailable, try again shortly', 5);
  }
  return undefined;
}

export function errorHandler(opts: { logger: Logger; exposeStack: boolean }): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = normalise(err) ?? (err instanceof NotFoundError ? err : undefined);
    if (res.headersSent) {
      opts.logger.error('error after response started', { error: err });
      res.destroy();
      return;
    }
    if (!known) {
      opts.logger.error('unhandled error', { error: err, method: req.method, path: req.path });
      res.status(500).json({
        error: {
          code: 'INTERNAL_ERROR',
          message: 'Something went wrong on our side',
          details: { requestId: req.id, ...(opts.exposeStack ? { stack: (err as Error)?.stack } : {}) },
        },
      });
      return;
    }
    if (known.status >= 500) opts.logger.warn('service error', { code: known.code, message: known.message });
    if (known instanceof RateLimitedError) res.setHeader('Retry-After', String(known.retryAfterSeconds));
    if (known instanceof ServiceUnavailableError && known.retryAfterSeconds) {
      res.setHeader('Retry-After', String(known.retryAfterSeconds));
    }
    res.status(known.status).json({
      error: {
        code: known.code,
        message: known.message,
        ...(known.details !== undefined ? { details: known.details } : {}),
      },
    });
  };
}
