import crypto from 'node:crypto';
import type { Socket } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../../common/errors';
import { setHeld } from '../http/head';
import { CommandDeadlines } from '../../common/redis-deadlines';

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
const NO_KEYS: readonly string[] = Object.freeze([]);
/** The counts' command timeouts, per client (common/redis-deadlines.ts). */
const deadlinesOf = new WeakMap<Redis, CommandDeadlines>();

/** Connections corked until the end of this turn of the event loop. */
const corked = new WeakSet<Socket>();

/**
 * The counts of the requests read in one turn of the event loop leave in one write: the connection is
 * corked at the first and uncorked once the turn's I/O callbacks have run (`setImmediate`), and Node
 * writes what was buffered meanwhile with one `writev`. A write to a socket is one of the dearest
 * things the process does (the loopback's receiving side runs inside the sender's system call), and
 * it was one per request. Unlike ioredis's auto-pipelining no batch object holds the commands: each is
 * written by ioredis as before, into the socket's buffer.
 */
function writeTogether(redis: Redis): void {
  const stream = (redis as unknown as { stream?: Socket }).stream;
  if (stream === undefined || redis.status !== 'ready' || corked.has(stream)) return;
  stream.cork();
  corked.add(stream);
  setImmediate(() => {
    corked.delete(stream);
    stream.uncork();
  });
}

/** A window's count, the milliseconds until it closes, then the values of the keys read along. */
export type Hit = [hits: number, msLeft: number, ...values: (string | null)[]];

/**
 * One count (and the reads riding along): EVALSHA, and the script itself when Redis does not hold
 * it (a restart or SCRIPT FLUSH since the last count), so a count never fails for a script Redis forgot.
 *
 * The EVALSHA goes to `sendCommand` itself, past the client's auto-pipelining: it is the request's
 * only command, and a command held for the next batch (auto-pipelining flushes on `setImmediate`)
 * kept each request's objects alive across a scavenge: paired runs on `GET /api/v2/auth/session`
 * promoted ~1.9 KB a request that way and ~0.05 KB without, and allocated 2 KB more (the batch's
 * pipeline and the wrappers around each command; bench/README.md).
 */
export function countHit(redis: Redis, key: string, windowMs: number, alsoRead: readonly string[] = NO_KEYS): Promise<Hit> {
  const window = String(windowMs);
  writeTogether(redis);
  let deadlines = deadlinesOf.get(redis);
  if (deadlines === undefined) deadlinesOf.set(redis, (deadlines = new CommandDeadlines()));
  // written as it is issued, not through auto-pipelining (see above); its command timeout kept
  // without a timer of its own (common/redis-deadlines.ts)
  const sent = redis.sendCommand(
    deadlines.command('evalsha', [HIT_SHA, 1 + alsoRead.length, key, ...alsoRead, window], { keyPrefix: redis.options.keyPrefix }),
  ) as Promise<Hit>;
  return sent.catch((err: unknown) => {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT'))
      return redis.eval(HIT_SCRIPT, 1 + alsoRead.length, key, ...alsoRead, window) as Promise<Hit>;
    throw err;
  });
}

/**
 * Keys a middleware before the global limiter wants read: the token's deny list on every
 * authenticated request (api/auth/middleware.ts), a student's page-cache versions on the two cached
 * routes (api/learning/student-cache.ts). Offered on the request, they are read by the limiter's own
 * Redis call, so such a request costs one Redis command instead of two or three. Whoever offered
 * keys reads them itself if no limiter took them (`withdrawRider` after the rest of the chain started).
 */
export interface CountRider {
  keys: string[];
  resolve: (values: (string | null)[]) => void;
  reject: (err: unknown) => void;
}
const RIDERS = Symbol('gema.rateLimit.riders');
type WithRiders = Request & { [RIDERS]?: CountRider[] };

export function offerRider(req: Request, rider: CountRider): void {
  const waiting = (req as WithRiders)[RIDERS];
  if (waiting) waiting.push(rider);
  else (req as WithRiders)[RIDERS] = [rider];
}

/** The riders still waiting on this request, now all taken by the caller (undefined if none). */
export function takeRiders(req: Request): CountRider[] | undefined {
  const riders = (req as WithRiders)[RIDERS];
  if (riders) (req as WithRiders)[RIDERS] = undefined;
  return riders;
}

/** Takes back `rider` if no limiter took it: true when it was still waiting (its keys are then unread). */
export function withdrawRider(req: Request, rider: CountRider): boolean {
  const riders = (req as WithRiders)[RIDERS];
  const at = riders ? riders.indexOf(rider) : -1;
  if (at < 0) return false;
  riders!.splice(at, 1);
  return true;
}

/** The keys the riders want read, in turn: one rider's own array as it is. */
const riderKeys = (riders: CountRider[]): readonly string[] => (riders.length === 1 ? riders[0]!.keys : riders.flatMap((r) => r.keys));

/** Each rider its own values from the count's reply, in the order their keys were sent. */
function deliver(riders: CountRider[], reply: Hit): void {
  let at = 2;
  for (const rider of riders) rider.resolve(reply.slice(at, (at += rider.keys.length)) as (string | null)[]);
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
  const byConnection = new WeakMap<Socket, string>();
  const keyOf = (req: Request): string => {
    const own = opts.key?.(req);
    if (own !== undefined) return prefix + own;
    // Without X-Forwarded-For the client's address is the connection's peer, whatever `trust proxy`
    // says (proxy-addr adds only forwarded addresses to it): the key is made once per connection,
    // not per request from Express's req.ip (proxy-addr, the header parse, an IPv6 test, the string).
    if (req.headers['x-forwarded-for'] !== undefined) return prefix + ipKeyGenerator(req.ip ?? 'unknown');
    let key = byConnection.get(req.socket);
    if (key === undefined) byConnection.set(req.socket, (key = prefix + ipKeyGenerator(req.ip ?? 'unknown')));
    return key;
  };
  return (req, res, next) => {
    if (skip?.(req)) return next();
    const key = keyOf(req);
    const taken = opts.carriesRiders ? takeRiders(req) : undefined;
    const riders = taken !== undefined && taken.length > 0 ? taken : undefined;
    // the riders get their values in the limiter's own callback, before the request goes on, as a
    // separate `then` on the count would have handed them: one promise reaction a request, not two
    countHit(opts.redis, key, windowMs, riders ? riderKeys(riders) : NO_KEYS).then(
      (reply) => {
        if (riders) deliver(riders, reply);
        const hits = reply[0];
        const resetSeconds = Math.max(0, Math.ceil(reply[1] / 1000));
        setHeld(res, 'RateLimit-Policy', policy);
        setHeld(res, 'RateLimit', `limit=${limit}, remaining=${Math.max(limit - hits, 0)}, reset=${resetSeconds}`);
        // the error handler answers 429 with Retry-After
        if (hits > limit) return next(new RateLimitedError(Math.max(1, resetSeconds), opts.message));
        next();
      },
      // the store's error reaches the error handler, which answers 503 (a Redis error) or 500
      (err: unknown) => {
        if (riders) for (const rider of riders) rider.reject(err);
        next(err);
      },
    );
  };
}
