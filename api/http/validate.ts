import type { RequestHandler } from 'express';
import Joi from 'joi';
import { ValidationError, type FieldError } from '../../common/errors';

export interface ValidatedInput {
  body: unknown;
  query: unknown;
  params: unknown;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The request's body, query and params after joi validation and conversion. */
    valid: ValidatedInput;
  }
}

type Part = keyof ValidatedInput;
export type Schemas = Partial<Record<Part, Joi.ObjectSchema>>;

const OPTIONS: Joi.ValidationOptions = {
  abortEarly: false,
  convert: true,
  allowUnknown: false,
  errors: { wrap: { label: false } },
};

export function toFieldErrors(error: Joi.ValidationError, part?: Part): FieldError[] {
  return error.details.map((d) => {
    const field = d.path.length ? d.path.join('.') : String(d.context?.key ?? part ?? 'body');
    return { field: part && part !== 'body' ? `${part}.${field}` : field, message: d.message, type: d.type };
  });
}

/** The parts a handler made by `validate` checks; `ApiRouter` reads it to fill in what a route left out. */
const VALIDATES = Symbol('validates');
type ValidatingHandler = RequestHandler & { [VALIDATES]?: readonly Part[] };

/**
 * Validates body, query and params against joi schemas. Unknown fields are refused, so a client
 * can never slip `role` or `userId` past a controller, and each problem is reported by field.
 * Several validators on one route add to the same `req.valid`.
 */
export function validate(schemas: Schemas): RequestHandler {
  const handler: ValidatingHandler = (req, _res, next) => {
    const valid: ValidatedInput = req.valid ?? { body: req.body, query: req.query, params: req.params };
    const problems: FieldError[] = [];
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const input = part === 'body' ? (req.body ?? {}) : req[part];
      const { value, error } = schema.validate(input, OPTIONS);
      if (error) problems.push(...toFieldErrors(error, part));
      else valid[part] = value;
    }
    if (problems.length) return next(new ValidationError(problems));
    req.valid = valid;
    next();
  };
  handler[VALIDATES] = Object.keys(schemas) as Part[];
  return handler;
}

/** Which parts of the request some handler of a route validates. */
export function validatedParts(handlers: readonly RequestHandler[]): Set<Part> {
  return new Set(handlers.flatMap((h) => (h as ValidatingHandler)[VALIDATES] ?? []));
}

/** The body of a write that takes no fields: anything sent is refused rather than ignored. */
export const noFields = Joi.object({});

const refuseQuery = validate({ query: Joi.object({}) });
/**
 * For a route that reads no query parameters: any sent is refused with a 400 naming it. The common
 * case, no query at all, costs one property walk and no joi call (this guards the hottest routes).
 */
export const noQuery: RequestHandler = Object.assign<RequestHandler, Pick<ValidatingHandler, typeof VALIDATES>>(
  (req, res, next) => {
    for (const _ in req.query) return refuseQuery(req, res, next);
    next();
  },
  { [VALIDATES]: ['query'] },
);

/** For a write that takes no body. */
export const noBody = validate({ body: noFields });

/** The validated part, typed by the caller's schema. */
export function input<T>(req: { valid: ValidatedInput }, part: Part): T {
  return req.valid[part] as T;
}
