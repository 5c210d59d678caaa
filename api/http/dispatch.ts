import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { ApiRouter } from './router';
import { releaseHead } from './head';

/** A mounted router as Express's own layers describe it (`rawPath`, `handle`), for walks of the app's router tree. */
export interface MountedRouter {
  rawPath: string;
  handle: Router;
}

/** The parts of Express's Route (router 2) the route table calls, as `Router.handle` calls them. */
interface ExpressRoute {
  path: string;
  methods: Record<string, boolean | undefined>;
  stack: { method?: string; handle: (...args: never[]) => unknown }[];
  _handlesMethod(method: string): boolean;
  dispatch(req: Request, res: Response, done: (err?: unknown) => void): void;
}

/** A route the table answers directly: the only route in the app whose path could match its own. */
interface Direct {
  prefix: string;
  route: ExpressRoute;
  /** its handlers by request method (`HEAD` falls back to `GET` as Express does); none: Express's `route.dispatch` */
  handlers: Map<string, RequestHandler[]> | undefined;
}

/**
 * A route's handlers per request method, as `Route.dispatch` would pick them; undefined when it has
 * something only Express's dispatch handles (an error-handling middleware, `route.all`).
 */
function handlersByMethod(route: ExpressRoute): Map<string, RequestHandler[]> | undefined {
  if (route.stack.some((l) => !l.method || l.handle.length > 3)) return undefined;
  const byMethod = new Map<string, RequestHandler[]>();
  const of = (method: string) => route.stack.filter((l) => l.method === method).map((l) => l.handle as unknown as RequestHandler);
  for (const method of Object.keys(route.methods)) if (route.methods[method]) byMethod.set(method.toUpperCase(), of(method));
  if (route.methods.get && !route.methods.head) byMethod.set('HEAD', of('get'));
  return byMethod;
}

/**
 * Runs a route's handlers as `Route.dispatch` does: a throw or a rejected promise is an error,
 * `next('route')` leaves the route, `next('router')` its router; then `req.url` and `req.baseUrl`
 * are restored and `next` gets what is left (leaving the route is no error: nothing else could serve
 * the path). Why not `Route.dispatch` itself: its `next` closure, the lowercased method and each
 * layer's wrapper cost allocation on every request of the hottest routes (bench/README.md). An
 * object whose `next` is made in its constructor, not a named closure (see `Steps` in chain.ts).
 */
class RouteRun {
  private i = 0;
  readonly next: (err?: unknown) => void;

  constructor(
    private readonly handlers: readonly RequestHandler[],
    private readonly req: Request,
    private readonly res: Response,
    private readonly url: string,
    private readonly parentUrl: string,
    private readonly done: NextFunction,
  ) {
    this.next = (err) => this.step(err);
  }

  private step(err: unknown): void {
    if (err || this.i >= this.handlers.length) {
      this.req.url = this.url;
      this.req.baseUrl = this.parentUrl;
      return this.done(err === 'route' || err === 'router' ? undefined : err);
    }
    const handler = this.handlers[this.i++]!;
    try {
      const ret = handler(this.req, this.res, this.next) as unknown;
      if (ret instanceof Promise) ret.then(undefined, (e: unknown) => this.next(e ?? new Error('Rejected promise')));
    } catch (e) {
      this.next(e);
    }
  }
}

/** Enters, in turn, the routers that may serve the path, as `app.use(prefix, router)` would (see `dispatchRouters`). */
class Entering {
  private i = 0;
  readonly next: (err?: unknown) => void;

  constructor(
    private readonly mounts: readonly Mount[],
    private readonly req: Request,
    private readonly res: Response,
    private readonly path: string,
    private readonly url: string,
    private readonly parentUrl: string,
    private readonly done: NextFunction,
  ) {
    this.next = (err) => this.enter(err);
  }

  private enter(err: unknown): void {
    const { req, url, parentUrl } = this;
    req.url = url;
    req.baseUrl = parentUrl;
    // an error skips the remaining routers (as Express skips a non-error middleware) to the error handler
    if (err) return this.done(err);
    while (this.i < this.mounts.length) {
      const m = this.mounts[this.i++]!;
      if (!mayServe(m, this.path)) continue;
      if (m.prefix) {
        const rest = url.slice(m.prefix.length);
        req.url = rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
        req.baseUrl = parentUrl + m.prefix;
      }
      m.router(req, this.res, this.next);
      return;
    }
    this.done();
  }
}

interface Mount {
  prefix: string;
  router: Router;
  /**
   * What a path must start with for one of the router's layers to match it: each route's full path,
   * or each middleware's (`router.use`) mount path, up to its first parameter or pattern character.
   * Middleware mounted at the router's root has the prefix itself: the router is entered for any
   * path below it.
   */
  heads: string[];
}

/** The literal start of an Express path: up to the first character that is not plain text. */
function literalHead(fullPath: string): string {
  const literal = /^[\w./~-]*/.exec(fullPath)![0];
  // a named parameter matches one segment or more, never none: `/things/:id` can only match below
  // `/things/`, so its slash stays and `/things` (the list beside it) is left for a route of its own
  if (fullPath.charCodeAt(literal.length) === 58 /* : */ && literal.endsWith('/')) return literal;
  // trailing slashes are optional when routing is not strict, so they are not required of the path
  return literal.replace(/\/+$/, '');
}

function mountOf(r: ApiRouter): Mount {
  const prefix = r.prefix === '/' ? '' : r.prefix;
  const layers = r.router.stack as { route?: { path: string }; rawPath?: unknown }[];
  const heads = layers.map((l) => {
    // a route matches its whole path; middleware (`router.use(path, …)`) everything below its path
    const path = l.route ? l.route.path : typeof l.rawPath === 'string' ? l.rawPath : '/';
    return literalHead(`${prefix}${path === '/' && prefix ? '' : path}`);
  });
  return { prefix, router: r.router, heads };
}

/** Characters that make an Express path a pattern rather than one literal path. */
const PATTERN = /[^\w./~-]/;

/**
 * Literal paths (no parameter, no pattern) that exactly one route in the whole app could match:
 * no other route's literal start, nor any middleware's mount path, is a prefix of it. For those, Express's walk could only end at that route, and a request it passes on (`next()`)
 * could only reach the not-found handler, so the table calls the route itself.
 */
function directRoutes(mounts: Mount[]): Map<string, Direct> {
  const candidates = new Map<string, Direct>();
  for (const m of mounts) {
    for (const layer of m.router.stack as { route?: ExpressRoute }[]) {
      if (!layer.route) continue;
      const full = `${m.prefix}${layer.route!.path === '/' && m.prefix ? '' : layer.route!.path}`;
      if (!PATTERN.test(full) && full.length > 1 && !full.endsWith('/'))
        candidates.set(full, { prefix: m.prefix, route: layer.route, handlers: handlersByMethod(layer.route) });
    }
  }
  const table = new Map<string, Direct>();
  for (const [full, direct] of candidates) {
    // the route itself, and any other layer (route or middleware) that could see the path
    let layers = 0;
    for (const m of mounts) if (mayServe(m, full)) for (const head of m.heads) if (full.startsWith(head)) layers++;
    if (layers === 1) table.set(full, direct);
  }
  return table;
}

function mayServe(m: Mount, path: string): boolean {
  if (m.prefix && !(path.startsWith(m.prefix) && (path.length === m.prefix.length || path.charCodeAt(m.prefix.length) === 47))) return false;
  for (const head of m.heads) if (path.startsWith(head)) return true;
  return false;
}

/**
 * The feature routers behind one app-level middleware that enters only the routers whose routes
 * could match the path, in mount order, each mounted as `app.use(prefix, router)` would mount it
 * (`req.url` trimmed of the prefix, `req.baseUrl` set to it, both restored on the way out).
 *
 * Why: mounted one by one, every request entered each router whose prefix matched (the root one
 * with `/health`, the `/api/v2` one with the docs) and walked it to the end before reaching its own,
 * and each entry costs Express a set of closures, URL rewrites and re-parses: the router's walk was
 * a quarter of what `GET /api/v2/auth/session` allocated (bench/README.md). Skipping a router none
 * of whose routes can match changes no answer: it would have passed the request on untouched.
 *
 * A literal route that no other route could answer for (`GET /api/v2/auth/session`) is found in a
 * table by its exact path and its handlers run without entering a router at all.
 *
 * A request whose target is not a plain path (absolute-form `GET http://host/…`) goes through
 * Express's own mounting of the same routers (`stack`), which is also what a walk of the app's
 * router tree sees.
 */
export function dispatchRouters(routers: ApiRouter[]): RequestHandler & { stack: MountedRouter[]; direct: ReadonlySet<string> } {
  const mounts = routers.map(mountOf);
  const table = directRoutes(mounts);
  const fallback = express.Router({ caseSensitive: true, strict: false });
  for (const r of routers) fallback.use(r.prefix || '/', r.router);

  const dispatch = (req: Request, res: Response, next: NextFunction): void => {
    const url = req.url;
    if (url.charCodeAt(0) !== 47) {
      releaseHead(res);
      fallback(req, res, next);
      return;
    }
    const path = req.path;
    const parentUrl = req.baseUrl;
    const direct = table.get(path);
    const handlers = direct?.handlers ? direct.handlers.get(req.method) : undefined;
    if (direct && (handlers || (!direct.handlers && direct.route._handlesMethod(req.method)))) {
      // as the router would call it: mounted at its prefix, no params
      const rest = url.slice(direct.prefix.length);
      req.url = rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
      req.baseUrl = parentUrl ? parentUrl + direct.prefix : direct.prefix;
      req.params = {};
      if (handlers) {
        req.route = direct.route;
        new RouteRun(handlers, req, res, url, parentUrl, next).next();
      } else {
        direct.route.dispatch(req, res, (err) => {
          req.url = url;
          req.baseUrl = parentUrl;
          // leaving the route or its router is no error; nothing else could serve the path
          next(err === 'route' || err === 'router' ? undefined : err);
        });
      }
      return;
    }
    // a router may hold anything, an Express sub-app among them (which swaps the response's prototype):
    // only the routes called straight from the table answer with a held head (api/http/head.ts)
    releaseHead(res);
    new Entering(mounts, req, res, path, url, parentUrl, next).next();
  };
  return Object.assign(dispatch, { stack: fallback.stack as unknown as MountedRouter[], direct: new Set(table.keys()) });
}
