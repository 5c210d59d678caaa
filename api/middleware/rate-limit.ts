import type { Request, RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator, type RateLimitInfo } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../../common/errors';

export interface RateLimitOptions {
  /** Distinguishes counters of different limiters in Redis. */
  name: string;
  windowMs: number;
  max: number;
  redis: Redis;
  prefix: string;
  /** Defaults to the client IP; e.g. the email for per-account login limits. */
  key?: (req: Request) => string | undefined;
  skip?: (req: Request) => boolean;
  message?: string;
}

/**
 * rate-limit-redis loads its script once and keeps the promise: a load that failed (Redis away at
 * start-up) would fail every later count. A failed count loads the script again for the next one.
 */
class ReloadingRedisStore extends RedisStore {
  override async increment(key: string) {
    try {
      return await super.increment(key);
    } catch (err) {
      this.incrementScriptSha = this.loadIncrementScript();
      this.incrementScriptSha.catch(() => undefined);
      throw err;
    }
  }
}

/**
 * A limiter whose counters live in Redis, so the limit holds across every API process. When Redis
 * cannot count, the request is refused with 503 and `Retry-After` rather than let through unlimited:
 * the limits guard logins and anonymous work, and a Redis outage must not switch them off
 * (README.md#when-postgresql-or-redis-is-away).
 */
export function createRateLimiter(opts: RateLimitOptions): RequestHandler {
  const store = new ReloadingRedisStore({
    prefix: `${opts.prefix}rl:${opts.name}:`,
    sendCommand: (command: string, ...args: string[]) => opts.redis.call(command, ...args) as Promise<RedisReply>,
  });
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.max,
    store,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // the store's error reaches the error handler, which answers 503 (a Redis error) or 500
    passOnStoreError: false,
    skip: opts.skip,
    keyGenerator: (req) => {
      const custom = opts.key?.(req);
      return custom ?? ipKeyGenerator(req.ip ?? 'unknown');
    },
    handler: (req, _res, next) => {
      const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
      const reset = info?.resetTime?.getTime() ?? Date.now() + opts.windowMs;
      next(new RateLimitedError(Math.max(1, Math.ceil((reset - Date.now()) / 1000)), opts.message));
    },
  });
}
