import type { ErrorRequestHandler, RequestHandler } from 'express';
import Joi from 'joi';
import { MulterError } from 'multer';
import { AppError, BadRequestError, RateLimitedError, ServiceUnavailableError, ValidationError, type FieldError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { DEPENDENCY_RETRY_AFTER_S, unavailableDependency, type DependencyHealth } from '../../common/runtime';
import { MAX_FIELD_ERRORS, toFieldErrors, validationError } from '../http/validate';
import { mapMulterError, UPLOAD_LIMITS } from '../http/multipart';
import type { RouteEntry } from '../http/router';
import { allowedMethods } from '../http/allowed-methods';

/**
 * No route answered: a path the app serves with other methods is a 405 naming them in `Allow`,
 * anything else a 404.
 */
export function notFoundHandler(routes: readonly RouteEntry[]): RequestHandler {
  const allowed = allowedMethods(routes);
  return (req, res, next) => {
    const methods = allowed(req.path);
    if (methods.length && !methods.includes(req.method)) {
      res.setHeader('Allow', methods.join(', '));
      return next(
        new AppError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; use ${methods.join(', ')}`, { allow: methods }),
      );
    }
    next(new AppError(404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
  };
}

/** What strict JSON parsing refused although it parses: `42`, `"text"`, `null`, `true`. */
function isJsonButNotObject(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/**
 * PostgreSQL's class 22 (data exception: a NUL in text, a malformed number or date, a value out of
 * range) is about the value sent, never the server: 400, whatever layer let it through.
 */
function isDataException(err: unknown): boolean {
  if (!(err instanceof Error) || err.name !== 'SequelizeDatabaseError') return false;
  const code = (err as Error & { parent?: { code?: unknown } }).parent?.code;
  return typeof code === 'string' && code.startsWith('22');
}

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  code?: string;
  /** body-parser's raw text of a body it could not parse */
  body?: unknown;
}

/** Turns errors from body-parser, multer and joi into typed errors, so there is one envelope. */
function normalise(err: unknown): AppError | undefined {
  // a service's list of problems is capped like the validator's, so no 400 grows with the input
  if (err instanceof ValidationError && Array.isArray(err.details) && err.details.length > MAX_FIELD_ERRORS) {
    return validationError(err.details as FieldError[]);
  }
  if (err instanceof AppError) return err;
  if (Joi.isError(err)) return validationError(toFieldErrors(err));
  if (err instanceof MulterError) return mapMulterError(err, UPLOAD_LIMITS.maxFiles);
  if (isDataException(err)) {
    return new BadRequestError('INVALID_VALUE', 'A value in the request cannot be stored (a NUL character, a malformed number or date)');
  }
  const e = err as HttpishError;
  if (e?.type === 'entity.parse.failed') {
    if (isJsonButNotObject(e.body)) return new BadRequestError('BODY_NOT_OBJECT', 'The request body must be a JSON object');
    return new AppError(400, 'INVALID_JSON', 'The request body is not valid JSON');
  }
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
  // every pooled connection stayed busy for the acquire timeout (a burst such as an exam hall's
  // 200 submissions in one second): the process is saturated, so the client is told to come back
  if ((err as Error)?.name === 'SequelizeConnectionAcquireTimeoutError') {
    return new ServiceUnavailableError('The server is busy, try again shortly', 2);
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
    const known = away ?? normalise(err);
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
