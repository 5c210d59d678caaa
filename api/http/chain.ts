import type { RequestHandler } from 'express';

/**
 * Middlewares run one after another as a single app-level layer, the way Express runs its own
 * layers: a throw or a rejected promise goes to `next(err)`, an error skips the remaining
 * middlewares to the error handler, `next('route')` counts as no error.
 *
 * Why: each app-level `app.use` layer costs Express, per request and per layer, a match result, a
 * params object, a closure and a debug call's arguments even when nothing is logged; with the ten
 * app-wide middlewares that was ~15 % of what `GET /api/v2/auth/session` allocated (bench/README.md).
 * Here a request costs one closure.
 */
export function chain(handlers: RequestHandler[]): RequestHandler {
  const list = [...handlers];
  return (req, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err && err !== 'route') return next(err);
      if (i >= list.length) return next();
      const handler = list[i++]!;
      try {
        const ret = handler(req, res, step) as unknown;
        if (ret instanceof Promise) ret.then(undefined, (e: unknown) => step(e ?? new Error('Rejected promise')));
      } catch (e) {
        step(e);
      }
    };
    step();
  };
}

/** `handler` for the paths at or below `prefix` (case sensitive, as the app routes), as `app.use(prefix, handler)` would pick them. */
export function underPath(prefix: string, handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    if (path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47)) return handler(req, res, next);
    next();
  };
}
