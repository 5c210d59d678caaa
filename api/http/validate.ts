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
const FIRST_PROBLEM: Joi.ValidationOptions = { ...OPTIONS, abortEarly: true };
const KNOWN_KEYS_ONLY: Joi.ValidationOptions = { ...OPTIONS, allowUnknown: true };

/**
 * An anonymous caller's input stops at its first unknown key: joi checks the known keys first, so a
 * first pass that stops at the first problem meets an unknown key only once the known ones are fine,
 * and a body of 75,000 unknown keys costs one key's work and a one-entry answer instead of a walk and
 * a 5 MB error. A problem with a known key is reported with all the others of the known keys (a form
 * can still mark each field), unknown keys unread.
 */
function anonymousProblems(schema: Joi.ObjectSchema, input: unknown): { value: unknown; error?: Joi.ValidationError } {
  const first = schema.validate(input, FIRST_PROBLEM);
  if (!first.error || first.error.details[0]?.type === 'object.unknown') return first;
  const known = schema.validate(input, KNOWN_KEYS_ONLY);
  // never accept through the lenient pass what the strict one refused
  return known.error ? known : first;
}

export function toFieldErrors(error: Joi.ValidationError, part?: Part): FieldError[] {
  return error.details.map((d) => fieldError(part, d.path.length ? d.path : [d.context?.key ?? part ?? 'body'], d.message, d.type));
}

function fieldError(part: Part | undefined, path: readonly (string | number | undefined)[], message: string, type: string): FieldError {
  const field = path.map(String).join('.');
  return { field: part && part !== 'body' ? `${part}.${field}` : field, message, type };
}

/** The first text containing a NUL character, by path; PostgreSQL stores no NUL in text or JSON. */
function findNul(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...path, key];
      const found = findNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A JSON body keeps its types: a number or boolean sent as a string is refused, not converted, while
 * dates, trimming and case folding still apply. Found by comparing what was sent with joi's result,
 * which covers every schema without marking each number strict. Query strings, path parameters and
 * multipart fields are text by nature and still convert.
 */
function findCoercion(sent: unknown, valid: unknown, path: (string | number)[] = []): FieldError | undefined {
  if (typeof sent === 'string' && (typeof valid === 'number' || typeof valid === 'boolean')) {
    return fieldError('body', path, `${path.map(String).join('.') || 'body'} must be a ${typeof valid}, not a string`, `${typeof valid}.base`);
  }
  if (Array.isArray(sent) && Array.isArray(valid)) {
    for (let i = 0; i < Math.min(sent.length, valid.length); i++) {
      const found = findCoercion(sent[i], valid[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (sent !== null && typeof sent === 'object' && valid !== null && typeof valid === 'object' && !(valid instanceof Date)) {
    for (const [key, item] of Object.entries(sent)) {
      if (!Object.hasOwn(valid, key)) continue;
      const found = findCoercion(item, (valid as Record<string, unknown>)[key], [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** At most this many problems are listed; the message counts the rest, so no answer grows with the input. */
export const MAX_FIELD_ERRORS = 20;

/** The validation error for these problems, the list capped at `MAX_FIELD_ERRORS`. */
export function validationError(problems: FieldError[]): ValidationError {
  if (problems.length <= MAX_FIELD_ERRORS) return new ValidationError(problems);
  return new ValidationError(
    problems.slice(0, MAX_FIELD_ERRORS),
    `The request is not valid: ${problems.length} problems, the first ${MAX_FIELD_ERRORS} listed`,
  );
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
    const anonymous = req.user === undefined;
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const input: unknown = part === 'body' ? (req.body ?? {}) : req[part];
      const nul = findNul(input);
      if (nul) {
        problems.push(fieldError(part, nul.length ? nul : [part], 'Text may not contain the NUL character (\\u0000)', 'string.nul'));
        continue;
      }
      const { value, error } = anonymous ? anonymousProblems(schema, input) : schema.validate(input, OPTIONS);
      const coerced = !error && part === 'body' && req.is('json') ? findCoercion(input, value) : undefined;
      if (error) problems.push(...toFieldErrors(error, part));
      else if (coerced) problems.push(coerced);
      else valid[part] = value;
    }
    if (problems.length) return next(validationError(problems));
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
    // no `?`, no query: Express would parse an empty one to say so
    if (!req.url.includes('?')) return next();
    for (const _ in req.query) return refuseQuery(req, res, next);
    next();
  },
  { [VALIDATES]: ['query'] },
);

/**
 * For routes that tools call with whatever they append (health checkers' cache busters, the document
 * routes): the query is accepted and ignored, never validated.
 */
export const ignoreQuery: RequestHandler = Object.assign<RequestHandler, Pick<ValidatingHandler, typeof VALIDATES>>((_req, _res, next) => next(), {
  [VALIDATES]: ['query'],
});

/** For a write that takes no body. */
export const noBody = validate({ body: noFields });

/** The validated part, typed by the caller's schema. */
export function input<T>(req: { valid: ValidatedInput }, part: Part): T {
  return req.valid[part] as T;
}

/**
 * `validate({ query: schema })` for a route usually asked with no query string (a student's list on
 * every page load): with none, the query is the schema's defaults, worked out by joi once and copied
 * per request, instead of a joi walk each time; any query sent is validated as `validate` does.
 * Only for schemas whose defaults are constants (not `default(() => …)`).
 */
export function validateQueryOrDefaults(schema: Joi.ObjectSchema): RequestHandler {
  const full = validate({ query: schema });
  let defaults: Record<string, unknown> | undefined;
  const handler: ValidatingHandler = (req, res, next) => {
    for (const _ in req.query) return full(req, res, next);
    defaults ??= schema.validate({}, OPTIONS).value as Record<string, unknown>;
    const valid: ValidatedInput = req.valid ?? { body: req.body, query: req.query, params: req.params };
    valid.query = { ...defaults };
    req.valid = valid;
    next();
  };
  handler[VALIDATES] = ['query'];
  return handler;
}
