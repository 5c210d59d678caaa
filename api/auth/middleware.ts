/// <reference types="passport" />
import type { Request, RequestHandler } from 'express';
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

/** A token's verdict: the user, why it was refused, or a rejection (Redis could not answer). */
type Verdict = Promise<AuthUser | 'invalid' | 'revoked'>;
const PREFETCHED = Symbol('gema.auth.prefetched');
type Prefetched = Request & { [PREFETCHED]?: { header: string; verdict: Verdict; claims?: AccessClaims } };

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
  // the one token check, for HTTP (from the header) and the Socket.IO handshake (authenticateToken);
  // `denied` reads the deny list, by default with its own MGET
  const check = (token: string | undefined, denied: (claims: AccessClaims) => Promise<boolean> = (c) => revocation.isRevoked(c)): Verdict => {
    if (token === undefined) return Promise.resolve('invalid');
    let claims: AccessClaims;
    try {
      claims = tokens.verify(token);
    } catch {
      return Promise.resolve('invalid');
    }
    return denied(claims).then((revoked) => (revoked ? 'revoked' : toAuthUser(claims)));
  };

  const prefetch: RequestHandler = (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) return next();
    // the deny-list keys are offered to the global limiter, whose count reads them in the same call
    let offered: CountRider | undefined;
    let verified: AccessClaims | undefined;
    const verdict = check(
      bearerToken(header),
      (claims) =>
        new Promise<boolean>((resolve, reject) => {
          verified = claims;
          offered = { keys: denyKeysOf(claims), resolve: deniedFrom(resolve, claims), reject };
          offerRider(req, offered);
        }),
    );
    // a route that never authenticates leaves the verdict unread; its failure is then nobody's
    verdict.catch(() => undefined);
    (req as Prefetched)[PREFETCHED] = { header, verdict, claims: verified };
    next();
    // no limiter took them (rate limiting off, or this path not counted): read them alone
    if (offered && withdrawRider(req, offered)) revocation.read(offered.keys).then(offered.resolve, offered.reject);
  };

  // a verified token's claims are one frozen object for as long as AccessTokens keeps it: its deny keys too
  const denyKeys = new WeakMap<AccessClaims, string[]>();
  const denyKeysOf = (claims: AccessClaims): string[] => {
    let keys = denyKeys.get(claims);
    if (!keys) denyKeys.set(claims, (keys = revocation.keysOf(claims)));
    return keys;
  };
  // made here, not in the object literal, so the bundle's kept names cost nothing per request (api/http/chain.ts)
  const deniedFrom =
    (resolve: (revoked: boolean) => void, claims: AccessClaims) =>
    (values: (string | null)[]): void =>
      resolve(revocation.deniedIn(values, claims));

  // failures use the common error envelope
  const requireAuth: RequestHandler = (req, _res, next) => {
    const header = req.headers.authorization;
    const pre = (req as Prefetched)[PREFETCHED];
    const verdict = pre && pre.header === header ? pre.verdict : check(bearerToken(header));
    verdict.then((user) => {
      if (typeof user === 'string') return next(new UnauthenticatedError('A valid access token is required'));
      const gate = passwordChangeGate(user, req.method, req.baseUrl + req.path);
      if (gate) return next(gate);
      req.user = user;
      const ctx = requestContext.getStore();
      if (ctx) ctx.userId = user.id;
      next();
    }, next);
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
    if (user === 'invalid') throw new UnauthenticatedError('A valid access token is required');
    if (user === 'revoked') throw new UnauthenticatedError('The token was revoked');
    if (user.mustChangePassword) throw new ForbiddenError('Change your password before using GEMA', 'PASSWORD_CHANGE_REQUIRED');
    return user;
  };

  return { prefetch, requireAuth, requireRole, authenticateToken };
}
