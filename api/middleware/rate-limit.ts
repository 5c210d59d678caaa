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
 * A limiter whose counters live in Redis, so the limit holds across every API process. When Redis
 * cannot be reached the request passes (the limiter must not turn a cache outage into an outage).
 */
export function createRateLimiter(opts: RateLimitOptions): RequestHandler {
  const store = new RedisStore({
    prefix: `${opts.prefix}rl:${opts.name}:`,
    sendCommand: (command: string, ...args: string[]) => opts.redis.call(command, ...args) as Promise<RedisReply>,
  });
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.max,
    store,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    passOnStoreError: true,
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
