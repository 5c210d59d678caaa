/// <reference types="passport" />
import type { NextFunction, Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../../common/errors';
import type { Role } from '../../common/models';
import { requestContext } from '../../common/context';
import type { AccessTokens, AccessClaims } from './tokens';
import type { AccessRevocation, RevocationSubject } from './revocation';
import { offerRider, withdrawRider, type CountRider } from '../middleware/rate-limit';

export interface AuthUser {
  id: string;
  role: Role;
  email: string | null;
  name: string;
  /** the account must change its password; only the routes in PASSWORD_CHANGE_ROUTES answer */
  mustChangePassword: boolean;
  jti: string;
  sid: string;
  /** issue and expiry of the access token, seconds since the epoch */
  iat: number;
  exp: number;
  /** a student's classroom as the token carries it (`cls`); undefined in tokens signed without it */
  tokenClassroomId?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // req.user (typed by @types/passport, referenced above; passport itself is no longer loaded) is
    // the signed-in caller as the access token names them, set by requireAuth
    interface User extends AuthUser {}
  }
}

/**
 * What an account that must change its password may still do (README.md#admin-people): change it,
 * look at its session, sign out. Read from the token, so the gate costs no query.
 */
const PASSWORD_CHANGE_ROUTES = new Set(['POST /api/v2/auth/password/change', 'POST /api/v2/auth/logout', 'GET /api/v2/auth/session']);

function passwordChangeGate(user: AuthUser, method: string, path: string): ForbiddenError | undefined {
  if (!user.mustChangePassword) return undefined;
  if (PASSWORD_CHANGE_ROUTES.has(`${method} ${path.replace(/\/+$/, '')}`)) return undefined;
  return new ForbiddenError('Change your password before using GEMA', 'PASSWORD_CHANGE_REQUIRED');
}

export interface AuthMiddleware {
  /** Starts a request's token check early, so its Redis read rides with the rate limiter's (app.ts). */
  prefetch: RequestHandler;
  requireAuth: RequestHandler;
  requireRole: (...roles: Role[]) => RequestHandler;
  /** The same check the HTTP layer makes, for the Socket.IO handshake. */
  authenticateToken: (token: string) => Promise<AuthUser>;
}

export function toAuthUser(claims: AccessClaims): AuthUser {
  return {
    id: claims.sub,
    role: claims.role,
    email: claims.email,
    name: claims.name,
    mustChangePassword: claims.pwc === true,
    jti: claims.jti,
    sid: claims.sid,
    iat: claims.iat,
    exp: claims.exp,
    ...(claims.cls ? { tokenClassroomId: claims.cls } : {}),
  };
}

/** What the deny list reads of a signed-in user's token. */
export const revocationSubject = (user: AuthUser): RevocationSubject => ({ jti: user.jti, sid: user.sid, sub: user.id, iat: user.iat });

/** `Authorization: Bearer <token>`, read as passport-jwt did: the first two words, the scheme in any case. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /(\S+)\s+(\S+)/.exec(header);
  return m && m[1]!.toLowerCase() === 'bearer' ? m[2] : undefined;
}

/** Redis could not answer whether the token is denied: the request fails with this error (503). */
class CheckFailed {
  constructor(readonly error: unknown) {}
}

/**
 * A token's verdict: the user, why it was refused, or why it could not be decided. It never rejects,
 * so a verdict no route reads (a route that does not authenticate) needs no `catch` of its own.
 */
type Verdict = AuthUser | 'invalid' | 'revoked' | CheckFailed;
const INVALID: Promise<Verdict> = Promise.resolve('invalid');

/** What `prefetch` left on the request: the header it read, the verified claims, the verdict under way. */
interface Pending {
  header: string;
  claims: AccessClaims | undefined;
  verdict: Promise<Verdict>;
}
const PREFETCHED = Symbol('gema.auth.prefetched');
type Prefetched = Request & { [PREFETCHED]?: Pending };

/**
 * The claims of the request's token as `prefetch` verified them (its signature and claims, not yet
 * the deny list: `requireAuth` still decides), so a later middleware can offer reads that depend on
 * the caller to the same count (api/learning/student-cache.ts). Undefined without a valid token.
 */
export function prefetchedClaims(req: Request): AccessClaims | undefined {
  const pre = (req as Prefetched)[PREFETCHED];
  return pre && pre.header === req.headers.authorization ? pre.claims : undefined;
}

/**
 * The token is verified here (HS256 pinned, issuer, audience, every claim GEMA signs), then Redis is
 * asked whether the token or its session was revoked. No database query: this runs on every
 * authenticated request.
 *
 * `prefetch` starts that check as the request comes in, just before the global rate limiter counts
 * it, and offers the deny-list keys to the limiter, whose one Redis call then counts the request and
 * reads them (api/middleware/rate-limit.ts, `CountRider`): one command and one round trip, where
 * there were two commands (pipelined together) and before that two round trips. `requireAuth` then
 * takes the verdict already under way.
 */
export function createAuthMiddleware(tokens: AccessTokens, revocation: AccessRevocation): AuthMiddleware {
  const claimsOf = (token: string | undefined): AccessClaims | undefined => {
    if (token === undefined) return undefined;
    try {
      return tokens.verify(token);
    } catch {
      return undefined;
    }
  };
  const decide = (claims: AccessClaims, values: (string | null)[]): Verdict => (revocation.deniedIn(values, claims) ? 'revoked' : toAuthUser(claims));

  // a verified token's claims are one frozen object for as long as AccessTokens keeps it: its deny keys too
  const denyKeys = new WeakMap<AccessClaims, string[]>();
  const denyKeysOf = (claims: AccessClaims): string[] => {
    let keys = denyKeys.get(claims);
    if (!keys) denyKeys.set(claims, (keys = revocation.keysOf(claims)));
    return keys;
  };

  // the one token check without the limiter (the Socket.IO handshake, a request prefetch did not see):
  // the deny list read with its own MGET
  const check = (token: string | undefined): Promise<Verdict> => {
    const claims = claimsOf(token);
    if (claims === undefined) return INVALID;
    return revocation.read(denyKeysOf(claims)).then(
      (values) => decide(claims, values),
      (err: unknown) => new CheckFailed(err),
    );
  };

  /**
   * A request's check under way: offered to the global limiter (a `CountRider`), whose count hands it
   * the deny-list values; its verdict settles then. One object and one promise a request: its
   * `resolve`/`reject` are methods, not closures made per request (see `Steps` in api/http/chain.ts).
   */
  class Prefetch implements Pending, CountRider {
    readonly verdict: Promise<Verdict>;
    readonly keys: string[];
    private readonly settle: (verdict: Verdict) => void;

    constructor(
      readonly header: string,
      readonly claims: AccessClaims,
    ) {
      const { promise, resolve } = Promise.withResolvers<Verdict>();
      this.verdict = promise;
      this.settle = resolve;
      this.keys = denyKeysOf(claims);
    }

    resolve(values: (string | null)[]): void {
      this.settle(decide(this.claims, values));
    }

    reject(err: unknown): void {
      this.settle(new CheckFailed(err));
    }
  }

  const prefetch: RequestHandler = (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) return next();
    const claims = claimsOf(bearerToken(header));
    if (claims === undefined) {
      (req as Prefetched)[PREFETCHED] = { header, claims, verdict: INVALID };
      return next();
    }
    // the deny-list keys are offered to the global limiter, whose count reads them in the same call
    const pending = new Prefetch(header, claims);
    (req as Prefetched)[PREFETCHED] = pending;
    offerRider(req, pending);
    next();
    // no limiter took them (rate limiting off, or this path not counted): read them alone
    if (withdrawRider(req, pending))
      revocation.read(pending.keys).then(
        (values) => pending.resolve(values),
        (err: unknown) => pending.reject(err),
      );
  };

  const admit = (req: Request, verdict: Verdict, next: NextFunction): void => {
    if (verdict instanceof CheckFailed) return next(verdict.error);
    if (typeof verdict === 'string') return next(new UnauthenticatedError('A valid access token is required'));
    const gate = passwordChangeGate(verdict, req.method, req.baseUrl + req.path);
    if (gate) return next(gate);
    req.user = verdict;
    const ctx = requestContext.getStore();
    if (ctx) ctx.userId = verdict.id;
    next();
  };

  // failures use the common error envelope
  const requireAuth: RequestHandler = (req, _res, next) => {
    const header = req.headers.authorization;
    const pre = (req as Prefetched)[PREFETCHED];
    const verdict = pre && pre.header === header ? pre.verdict : check(bearerToken(header));
    // a verdict never rejects (a Redis failure is a CheckFailed verdict), and `next` catches what a handler throws
    void verdict.then((v) => admit(req, v, next));
  };
  const requireRole =
    (...roles: Role[]): RequestHandler =>
    (req, _res, next) => {
      if (!req.user) return next(new UnauthenticatedError());
      if (!roles.includes(req.user.role)) return next(new ForbiddenError('Your role may not use this route'));
      next();
    };

  const authenticateToken = async (token: string): Promise<AuthUser> => {
    const user = await check(token);
    if (user instanceof CheckFailed) throw user.error;
    if (user === 'invalid') throw new UnauthenticatedError('A valid access token is required');
    if (user === 'revoked') throw new UnauthenticatedError('The token was revoked');
    if (user.mustChangePassword) throw new ForbiddenError('Change your password before using GEMA', 'PASSWORD_CHANGE_REQUIRED');
    return user;
  };

  return { prefetch, requireAuth, requireRole, authenticateToken };
}
