import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { ApiRouter } from './router';

/** A mounted router as Express's own layers describe it (`rawPath`, `handle`), for walks of the app's router tree. */
export interface MountedRouter {
  rawPath: string;
  handle: Router;
}

interface Mount {
  prefix: string;
  router: Router;
  /**
   * What a path must start with for one of the router's routes to match it: each route's full path
   * up to its first parameter or pattern character. Undefined when the router also has middleware
   * of its own (`router.use`): that runs for any path below the prefix, so the router is always
   * entered there.
   */
  heads: string[] | undefined;
}

/** The literal start of an Express path: up to the first character that is not plain text. */
function literalHead(fullPath: string): string {
  const m = /^[\w./~-]*/.exec(fullPath);
  // trailing slashes are optional when routing is not strict, so they are not required of the path
  return m![0].replace(/\/+$/, '');
}

function mountOf(r: ApiRouter): Mount {
  const prefix = r.prefix === '/' ? '' : r.prefix;
  const layers = r.router.stack as { route?: { path: string } }[];
  const onlyRoutes = layers.every((l) => l.route);
  return {
    prefix,
    router: r.router,
    heads: onlyRoutes ? layers.map((l) => literalHead(`${prefix}${l.route!.path === '/' && prefix ? '' : l.route!.path}`)) : undefined,
  };
}

function mayServe(m: Mount, path: string): boolean {
  if (m.prefix && !(path.startsWith(m.prefix) && (path.length === m.prefix.length || path.charCodeAt(m.prefix.length) === 47))) return false;
  if (!m.heads) return true;
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
 * A request whose target is not a plain path (absolute-form `GET http://host/…`) goes through
 * Express's own mounting of the same routers (`stack`), which is also what a walk of the app's
 * router tree sees.
 */
export function dispatchRouters(routers: ApiRouter[]): RequestHandler & { stack: MountedRouter[] } {
  const mounts = routers.map(mountOf);
  const fallback = express.Router({ caseSensitive: true, strict: false });
  for (const r of routers) fallback.use(r.prefix || '/', r.router);

  const dispatch = (req: Request, res: Response, next: NextFunction): void => {
    const url = req.url;
    if (url.charCodeAt(0) !== 47) {
      fallback(req, res, next);
      return;
    }
    const path = req.path;
    const parentUrl = req.baseUrl;
    let i = 0;
    const enter = (err?: unknown): void => {
      req.url = url;
      req.baseUrl = parentUrl;
      // an error skips the remaining routers (as Express skips a non-error middleware) to the error handler
      if (err) return next(err);
      while (i < mounts.length) {
        const m = mounts[i++]!;
        if (!mayServe(m, path)) continue;
        if (m.prefix) {
          const rest = url.slice(m.prefix.length);
          req.url = rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
          req.baseUrl = parentUrl + m.prefix;
        }
        m.router(req, res, enter);
        return;
      }
      next();
    };
    enter();
  };
  return Object.assign(dispatch, { stack: fallback.stack as unknown as MountedRouter[] });
}
