import type { Request, RequestHandler, Response } from 'express';
import type { Histogram } from 'prom-client';
import type { Logger } from '../../common/logger';
import { passThrough } from '../http/chain';

/** The route pattern (`/api/v2/files/:id`), never the raw URL, so metrics have bounded labels. */
export function routePattern(req: Request): string {
  const route = req.route as { path?: string } | undefined;
  if (!route?.path) return 'unmatched';
  return `${req.baseUrl}${route.path === '/' && req.baseUrl ? '' : route.path}`;
}

const STARTED = Symbol('gema.observe.started');
type Timed = Response & { [STARTED]?: number };

/**
 * One `finish` listener per request does both jobs: the duration histogram and, when the log level
 * lets `http` lines through, an access log line. Both are cheap when disabled. The listener is one
 * function for every request (it reads the response it is called on, and the start time kept on it),
 * not a closure per request.
 */
export function observeRequests(opts: { logger: Logger; histogram?: Histogram<string> }): RequestHandler {
  const { logger, histogram } = opts;
  const logRequests = logger.isLevelEnabled('http');
  if (!histogram && !logRequests) return passThrough;
  const finished = (res: Timed): void => {
    const req = res.req;
    const seconds = (performance.now() - res[STARTED]!) / 1e3;
    const route = routePattern(req);
    // a stream (res.locals.stream) lasts minutes: it would drown the request latencies
    if (!res.locals.stream) histogram?.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
    if (logRequests) {
      logger.http('request', {
        requestId: req.id,
        method: req.method,
        route,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(seconds * 1e4) / 10,
        userId: req.user?.id,
      });
    }
  };
  // called on the response that finished
  function onFinish(this: Timed): void {
    finished(this);
  }
  return (_req, res, next) => {
    (res as Timed)[STARTED] = performance.now();
    // 'finish' comes once: `on` spares the wrapper `once` makes
    res.on('finish', onFinish);
    next();
  };
}
