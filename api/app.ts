import express, { type Express } from 'express';
import type { ApiDeps } from './deps';
import type { RouteEntry } from './http/router';
import { dispatchRouters } from './http/dispatch';
import { chain, enterDirectly, underPath, whenBody } from './http/chain';
import { requestContextMiddleware } from './middleware/request-context';
import { observeRequests } from './middleware/observe';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { createRateLimiter } from './middleware/rate-limit';
import { createHttpHistogram, registerSystemMetrics } from './system/metrics';
import { systemRoutes } from './system/routes';
import { loadOpenApi } from './openapi/document';
import { featureRouters } from './modules';
import { compressJson } from './middleware/public-cache';
import { securityHeaders } from './middleware/security-headers';
import { corsHeaders } from './middleware/cors';
import { holdHead, installHeldHeads } from './http/head';
import { lazyModule } from '../common/runtime/lazy-module';
import { offerStudentVersions } from './learning/student-cache';

export interface GemaApp extends Express {
  locals: Express['locals'] & { routes: RouteEntry[] };
}

const UNLIMITED_PATHS = new Set(['/health', '/ready', '/metrics']);

/** Sign-in, registration and password bodies are a few fields: anonymous callers may send no more. */
export const AUTH_JSON_BODY_LIMIT = '16kb';

/** Builds the Express app without listening, so tests drive it with supertest. */
export function createApp(deps: ApiDeps): GemaApp {
  const { config, logger } = deps;
  const app = express() as GemaApp;
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('etag', false);
  // `/api/v2/Student/Profile` is not `/api/v2/student/profile` (README.md#http-behaviour)
  app.set('case sensitive routing', true);

  const histogram = config.metricsEnabled ? createHttpHistogram(deps.metrics) : undefined;
  if (config.metricsEnabled) registerSystemMetrics(deps.metrics);

  const limiter = config.rateLimit.enabled
    ? createRateLimiter({
        name: 'global',
        windowMs: config.rateLimit.windowMs,
        max: config.rateLimit.max,
        redis: deps.redis,
        prefix: config.redis.prefix,
        skip: (req) => UNLIMITED_PATHS.has(req.path),
        carriesRiders: true,
      })
    : undefined;
  // the app-wide headers wait for the answer, which a direct route writes in one go (api/http/head.ts)
  installHeldHeads(app.response);
  // the app-wide middlewares, in this order, as one layer (api/http/chain.ts)
  const middlewares = chain([
    holdHead,
    requestContextMiddleware(),
    observeRequests({ logger, histogram }),
    securityHeaders(),
    corsHeaders({
      origins: config.http.corsOrigins,
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
      maxAge: 600,
    }),
    compressJson(),
    // the first JSON parser to read a body wins; the general one then skips it. A request without a
    // body (every GET) passes both in one step
    whenBody(chain([underPath('/api/v2/auth', express.json({ limit: AUTH_JSON_BODY_LIMIT })), express.json({ limit: config.http.jsonBodyLimit })])),
    // the token check offers its deny-list read to the limiter's count: one Redis call (api/auth/middleware.ts)
    (req, res, next) => (UNLIMITED_PATHS.has(req.path) ? next() : deps.auth.prefetch(req, res, next)),
    // a student's cached pages: their version keys ride on the same count (api/learning/student-cache.ts)
    ...(limiter && config.site.studentCacheSeconds > 0 ? [offerStudentVersions(config.redis.prefix)] : []),
    ...(limiter ? [limiter] : []),
  ]);

  const doc = lazyModule(() => loadOpenApi(config.rootDir));
  const routers = [...systemRoutes(deps, doc, deps.metrics), ...featureRouters(deps)];
  app.locals.routes = routers.flatMap((r) => r.routes);
  // the app-wide middlewares, then one layer that enters only the routers that can serve the path
  // (api/http/dispatch.ts), then not found; run without Express's app router (api/http/chain.ts)
  enterDirectly(
    app,
    [middlewares, dispatchRouters(routers), notFoundHandler(app.locals.routes)],
    errorHandler({ logger, exposeStack: !config.isProduction, health: deps.health }),
  );
  return app;
}
