import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
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
  /** Takes the reads offered on the request (offerRider) into its count: the global limiter only. */
  carriesRiders?: boolean;
}

/**
 * A fixed window per key: the first hit creates the counter with the window as its expiry, later
 * hits count up to it (the same keys and replies as rate-limit-redis 6, which this replaced, so
 * counters carry over a rolling deploy). Any further keys are read in the same call (`GET`s that
 * ride along, see `CountRider`) and their values follow the count.
 */
const HIT_SCRIPT = `local windowMs = tonumber(ARGV[1])
local timeToExpire = redis.call("PTTL", KEYS[1])
local totalHits
if timeToExpire <= 0 then
redis.call("SET", KEYS[1], 1, "PX", windowMs)
totalHits = 1
timeToExpire = windowMs
else
totalHits = redis.call("INCR", KEYS[1])
end
local reply = { totalHits, timeToExpire }
if #KEYS > 1 then
local values = redis.call("MGET", unpack(KEYS, 2))
for i = 1, #values do reply[i + 2] = values[i] end
end
return reply`;
const HIT_SHA = crypto.createHash('sha1').update(HIT_SCRIPT).digest('hex');

/** A window's count, the milliseconds until it closes, then the values of the keys read along. */
export type Hit = [hits: number, msLeft: number, ...values: (string | null)[]];

/**
 * One count (and the reads riding along): EVALSHA, and the script itself when Redis does not hold
 * it (a restart or SCRIPT FLUSH since the last count), so a count never fails for a script Redis forgot.
 */
export function countHit(redis: Redis, key: string, windowMs: number, alsoRead: readonly string[] = []): Promise<Hit> {
  const window = String(windowMs);
  const keys = [key, ...alsoRead];
  return (redis.evalsha(HIT_SHA, keys.length, ...keys, window) as Promise<Hit>).catch((err: unknown) => {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return redis.eval(HIT_SCRIPT, keys.length, ...keys, window) as Promise<Hit>;
    throw err;
  });
}

/**
 * Keys a middleware before the global limiter wants read (the token's deny list, api/auth/middleware.ts):
 * offered on the request, they are read by the limiter's own Redis call, so an authenticated
 * request costs one Redis command instead of two. Whoever offered them reads them itself if no
 * limiter took them (`takeRider` after the rest of the chain started).
 */
export interface CountRider {
  keys: string[];
  resolve: (values: (string | null)[]) => void;
  reject: (err: unknown) => void;
}
const RIDER = Symbol('gema.rateLimit.rider');
type WithRider = Request & { [RIDER]?: CountRider };

export function offerRider(req: Request, rider: CountRider): void {
  (req as WithRider)[RIDER] = rider;
}

/** The rider still waiting on this request, now taken by the caller (undefined if none or already taken). */
export function takeRider(req: Request): CountRider | undefined {
  const rider = (req as WithRider)[RIDER];
  if (rider) (req as WithRider)[RIDER] = undefined;
  return rider;
}

/**
 * A limiter whose counters live in Redis, so the limit holds across every API process. Each counted
 * request gets the IETF draft-7 headers (`RateLimit-Policy: 100;w=60`, `RateLimit: limit=100,
 * remaining=99, reset=60`); past the limit it is refused with 429 and `Retry-After`. When Redis cannot
 * count, the request is refused with 503 and `Retry-After` rather than let through unlimited: the
 * limits guard logins and anonymous work, and a Redis outage must not switch them off
 * (README.md#when-postgresql-or-redis-is-away).
 *
 * Why not express-rate-limit + rate-limit-redis (used until issue 16): what they add over one
 * EVALSHA (stores, validations, async wrappers, a Date per count) was ~8 % of what each request
 * allocated on `GET /auth/session`, for options GEMA never uses. Only express-rate-limit's
 * `ipKeyGenerator` is kept: it counts an IPv6 client by its /56, as an ISP hands them out.
 */
export function createRateLimiter(opts: RateLimitOptions): RequestHandler {
  const prefix = `${opts.prefix}rl:${opts.name}:`;
  const { windowMs, max: limit, skip } = opts;
  const policy = `${limit};w=${Math.ceil(windowMs / 1000)}`;
  return (req, res, next) => {
    if (skip?.(req)) return next();
    const key = prefix + (opts.key?.(req) ?? ipKeyGenerator(req.ip ?? 'unknown'));
    const rider = opts.carriesRiders ? takeRider(req) : undefined;
    const hit = countHit(opts.redis, key, windowMs, rider?.keys);
    if (rider) hit.then((reply) => rider.resolve(reply.slice(2) as (string | null)[]), rider.reject);
    hit.then(([hits, msLeft]) => {
      const resetSeconds = Math.max(0, Math.ceil(msLeft / 1000));
      if (!res.headersSent) {
        res.setHeader('RateLimit-Policy', policy);
        res.setHeader('RateLimit', `limit=${limit}, remaining=${Math.max(limit - hits, 0)}, reset=${resetSeconds}`);
      }
      // the error handler answers 429 with Retry-After
      if (hits > limit) return next(new RateLimitedError(Math.max(1, resetSeconds), opts.message));
      next();
      // the store's error reaches the error handler, which answers 503 (a Redis error) or 500
    }, next);
  };
}
