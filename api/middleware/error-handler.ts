import type { ErrorRequestHandler, RequestHandler } from 'express';
import Joi from 'joi';
import { MulterError } from 'multer';
import { AppError, NotFoundError, RateLimitedError, ServiceUnavailableError, ValidationError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { DEPENDENCY_RETRY_AFTER_S, unavailableDependency, type DependencyHealth } from '../../common/runtime';
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
  if (e?.code === 'ECONNREFUSED') {
    return new ServiceUnavailableError('A backing service is unavailable, try again shortly', DEPENDENCY_RETRY_AFTER_S);
  }
  return undefined;
}

/**
 * A Redis or PostgreSQL outage is a 503 with `Retry-After`, not a bug; the outage is logged once by
 * `health`, not once per request (README.md#when-postgresql-or-redis-is-away).
 */
function dependencyAway(err: unknown, health: DependencyHealth | undefined): ServiceUnavailableError | undefined {
  const dependency = unavailableDependency(err);
  if (!dependency) return undefined;
  health?.failed(dependency, err);
  return new ServiceUnavailableError(
    'A service this request needs is unavailable, try again shortly',
    DEPENDENCY_RETRY_AFTER_S,
    'SERVICE_UNAVAILABLE',
  );
}

export function errorHandler(opts: { logger: Logger; exposeStack: boolean; health?: DependencyHealth }): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const away = dependencyAway(err, opts.health);
    const known = away ?? normalise(err) ?? (err instanceof NotFoundError ? err : undefined);
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
    if (known.status >= 500 && !away) opts.logger.warn('service error', { code: known.code, message: known.message });
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
