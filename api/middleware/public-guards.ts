import type { RequestHandler } from 'express';
import type { ApiDeps } from '../deps';
import { createRateLimiter } from './rate-limit';
import { isAnonymous } from './optional-auth';
import { publicCache } from './public-cache';

const limiters = new WeakMap<ApiDeps, RequestHandler>();

/**
 * The per-IP limit of anonymous callers on the public routes (`PUBLIC_RATE_LIMIT_MAX` per
 * `RATE_LIMIT_WINDOW_MS`), one counter across every public route and API process. Signed-in callers
 * are limited by the global limiter only.
 */
export function anonymousLimit(deps: ApiDeps): RequestHandler {
  let limiter = limiters.get(deps);
  if (!limiter) {
    const { config } = deps;
    limiter = config.rateLimit.enabled
      ? createRateLimiter({
          name: 'public',
          windowMs: config.rateLimit.windowMs,
          max: config.site.publicRateLimitMax,
          redis: deps.redis,
          prefix: config.redis.prefix,
          skip: (req) => !isAnonymous(req),
        })
      : (_req, _res, next) => next();
    limiters.set(deps, limiter);
  }
  return limiter;
}

/**
 * A public read: its anonymous limit, then the ETag/Cache-Control handling. `keep`: anonymous answers
 * may be served from memory for PUBLIC_CACHE_SECONDS (not for a handler with a side effect, such as
 * counting a view).
 */
export function publicRead(deps: ApiDeps, maxAge: number, keep = true): RequestHandler[] {
  const serverTtlMs = keep ? deps.config.site.publicCacheSeconds * 1000 : 0;
  return [anonymousLimit(deps), publicCache({ maxAge, serverTtlMs })];
}
