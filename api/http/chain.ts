import http from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';

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
  // a chain inside a chain runs as part of it: one closure per request, not one per level; a
  // middleware that is switched off (`passThrough`) is left out rather than stepped through
  const list = handlers.flatMap((h) => (h as Chained)[CHAINED] ?? (h === passThrough ? [] : [h]));
  return Object.assign((req: Request, res: Response, next: NextFunction) => stepper(list, req, res, next)(), { [CHAINED]: list });
}

const CHAINED = Symbol('gema.http.chain');

/** What a middleware that has nothing to do in this configuration returns (no CORS origins, no metrics): `chain` leaves it out. */
export const passThrough: RequestHandler = (_req, _res, next) => next();
type Chained = RequestHandler & { [CHAINED]?: RequestHandler[] };

/**
 * The `next` that runs `list` in turn, then `done`. An object with its `next` made in the
 * constructor rather than a closure declared where it is used: the bundle keeps function names
 * (esbuild `keepNames`), which costs every named closure a property descriptor and a `name` property
 * each time it is created, on every request here.
 */
class Steps {
  private i = 0;
  readonly next: (err?: unknown) => void;

  constructor(
    private readonly list: readonly RequestHandler[],
    private readonly req: Request,
    private readonly res: Response,
    private readonly done: (err?: unknown) => void,
  ) {
    this.next = (err) => this.step(err);
  }

  private step(err: unknown): void {
    if (err && err !== 'route') return this.done(err);
    if (this.i >= this.list.length) return this.done();
    const handler = this.list[this.i++]!;
    try {
      const ret = handler(this.req, this.res, this.next) as unknown;
      if (ret instanceof Promise) ret.then(undefined, (e: unknown) => this.next(e ?? new Error('Rejected promise')));
    } catch (e) {
      this.next(e);
    }
  }
}

const stepper = (list: readonly RequestHandler[], req: Request, res: Response, done: (err?: unknown) => void) => new Steps(list, req, res, done).next;

/** `handler` for the paths at or below `prefix` (case sensitive, as the app routes), as `app.use(prefix, handler)` would pick them. */
export function underPath(prefix: string, handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    if (path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47)) return handler(req, res, next);
    next();
  };
}

type Entry = (req: Request, res: Response, callback?: (err?: unknown) => void) => void;

/** Ends the response as Express's final handler would: 500 or 404, or a destroyed socket once started. */
function finish(res: Response, err: unknown, callback: ((err?: unknown) => void) | undefined): void {
  if (callback) return callback(err);
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  res.statusCode = err ? 500 : 404;
  res.end();
}

/** What runs when the app's handlers are through: `onError` for an error, else the end. */
function ending(req: Request, res: Response, onError: ErrorRequestHandler, callback: ((err?: unknown) => void) | undefined): (err?: unknown) => void {
  return (err) => {
    if (!err || err === 'route' || err === 'router') return finish(res, undefined, callback);
    try {
      onError(err, req, res, (e?: unknown) => finish(res, e, callback));
    } catch (e) {
      finish(res, e, callback);
    }
  };
}

/**
 * The app's entry: `handlers` run one after another (as `chain`), then `onError` for an error, as
 * Express's app router runs them as app-level layers; they are registered there too, so a walk of
 * the app's router tree (the OpenAPI agreement spec) sees them as before.
 *
 * Why not the app router: for every request it builds a final handler, its `next`, a params object,
 * a restore closure and a match per layer, for four layers of which every request runs the first
 * ones in order; on `GET /api/v2/auth/session` that was ~5 % of what a request allocated. Here
 * the request gets what `app.handle` gives it (the app's `req`/`res` prototypes, `res.locals`,
 * `req.res`/`res.req`, `req.next`, `req.baseUrl`, `req.originalUrl`) and one closure.
 *
 * If the error handler passes an error on (it answers every error itself), or nothing answered, the
 * response ends as Express's final handler would: 500 or 404, or a destroyed socket once started.
 */
export function enterDirectly(app: Express, handlers: RequestHandler[], onError: ErrorRequestHandler): void {
  for (const h of handlers) app.use(h);
  app.use(onError);
  const list = chain(handlers) as Chained;
  const steps = list[CHAINED]!;
  const { request, response } = app as unknown as { request: object; response: object };
  // instances of these already inherit from the app's prototypes (appServerOptions)
  class AppRequest extends http.IncomingMessage {}
  Object.setPrototypeOf(AppRequest.prototype, request);
  class AppResponse extends http.ServerResponse {}
  Object.setPrototypeOf(AppResponse.prototype, response);
  serverClasses.set(app, { AppRequest, AppResponse: AppResponse as typeof http.ServerResponse });
  const madeReq = AppRequest.prototype as object;
  const madeRes = AppResponse.prototype as object;
  const entry: Entry = (req, res, callback) => {
    req.res = res;
    res.req = req;
    // a server made with appServerOptions made them so already
    if (Object.getPrototypeOf(req) !== madeReq) Object.setPrototypeOf(req, request);
    if (Object.getPrototypeOf(res) !== madeRes) Object.setPrototypeOf(res, response);
    if (!res.locals) res.locals = Object.create(null) as Response['locals'];
    req.baseUrl = '';
    req.originalUrl = req.originalUrl || req.url;
    const done = ending(req, res, onError, callback);
    req.next = done;
    stepper(steps, req, res, done)();
  };
  (app as unknown as { handle: Entry }).handle = entry;
}

/**
 * Options for `http.createServer(appServerOptions(app), app)`: node:http then makes every request
 * and response with the app's own prototypes (`app.request`, `app.response`), as `enterDirectly`
 * and Express's `app.handle` would set them, so the entry skips `Object.setPrototypeOf` on two
 * objects per request. Changing a live object's prototype is slow in V8 (each object gets a map of
 * its own, and the call itself was ~4 % of the CPU of `GET /api/v2/auth/session` in a profile).
 * A server made without them (supertest's) still gets the same prototypes, set by the entry.
 * Requests Socket.IO answers on the same server are made this way too; it reads them as plain
 * `IncomingMessage`s, which they still are.
 */
export function appServerOptions(app: Express): http.ServerOptions {
  const made = serverClasses.get(app);
  if (!made) throw new Error('appServerOptions: the app has no direct entry (enterDirectly)');
  return { IncomingMessage: made.AppRequest, ServerResponse: made.AppResponse };
}

/** The request and response classes of each app's server, made where its entry is set up. */
const serverClasses = new WeakMap<Express, { AppRequest: typeof http.IncomingMessage; AppResponse: typeof http.ServerResponse }>();

/**
 * `parser` only for a request that has a body (a `Transfer-Encoding` or `Content-Length`, as
 * body-parser itself decides): a GET never enters it, where body-parser would check the stream,
 * add `req.body` and log its skip, on every parser in turn. `req.body` stays undefined either way.
 */
export function whenBody(parser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const headers = req.headers;
    if (headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) return next();
    parser(req, res, next);
  };
}
