/**
 * Typed application errors. Services throw these; the API's error handler turns each into the
 * `{ error: { code, message, details? } }` envelope with its status, and workers use `retryable`
 * to decide whether a failed job is worth another attempt.
 */
export interface FieldError {
  field: string;
  message: string;
  type?: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(details: FieldError[], message = 'The request is not valid') {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(400, code, message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication is required', code = 'UNAUTHENTICATED') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You may not do this', code = 'FORBIDDEN') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Resource', code = 'NOT_FOUND') {
    super(404, code, `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT', details?: unknown) {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large', details?: unknown) {
    super(413, 'PAYLOAD_TOO_LARGE', message, details);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string, details?: unknown) {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', message, details);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(422, code, message, details);
  }
}

export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests, try again later',
    code = 'RATE_LIMITED',
  ) {
    super(429, code, message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    code = 'SERVICE_UNAVAILABLE',
  ) {
    super(503, code, message);
  }
}
