import type { RequestHandler } from 'express';
import { Passport } from 'passport';
import { Strategy as JwtStrategy, ExtractJwt } from 'passport-jwt';
import { ForbiddenError, UnauthenticatedError } from '../../common/errors';
import type { Role } from '../../common/models';
import { requestContext } from '../../common/context';
import { hasAccessClaims, type AccessTokens, type AccessClaims } from './tokens';
import type { AccessRevocation, RevocationSubject } from './revocation';

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
    // passport types req.user as Express.User; ours carries the token's identity
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

/**
 * passport-jwt pins HS256, the issuer and the audience; the verify callback then asks Redis whether
 * the token or its session was revoked. No database query: this runs on every authenticated request.
 */
export function createAuthMiddleware(tokens: AccessTokens, revocation: AccessRevocation): AuthMiddleware {
  const passport = new Passport();
  passport.use(
    'jwt',
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // passport-jwt hands this straight to jsonwebtoken, which takes a KeyObject
        secretOrKey: tokens.key as unknown as string,
        algorithms: ['HS256'],
        issuer: tokens.verifyOptions.issuer as string,
        audience: tokens.verifyOptions.audience as string,
      },
      (claims: unknown, done: (err: unknown, user?: AuthUser | false) => void) => {
        if (!hasAccessClaims(claims)) return done(null, false);
        revocation.isRevoked(claims).then(
          (revoked) => done(null, revoked ? false : toAuthUser(claims)),
          (err: unknown) => done(err),
        );
      },
    ),
  );

  // with a callback passport leaves the response to us, so failures use the common error envelope
  const requireAuth: RequestHandler = (req, res, next) => {
    passport.authenticate('jwt', { session: false }, (err: unknown, user: AuthUser | false) => {
      if (err) return next(err);
      if (!user) return next(new UnauthenticatedError('A valid access token is required'));
      const gate = passwordChangeGate(user, req.method, req.baseUrl + req.path);
      if (gate) return next(gate);
      req.user = user;
      const ctx = requestContext.getStore();
      if (ctx) ctx.userId = user.id;
      next();
    })(req, res, next);
  };
  const requireRole =
    (...roles: Role[]): RequestHandler =>
    (req, _res, next) => {
      if (!req.user) return next(new UnauthenticatedError());
      if (!roles.includes(req.user.role)) return next(new ForbiddenError('Your role may not use this route'));
      next();
    };

  const authenticateToken = async (token: string): Promise<AuthUser> => {
    let claims: AccessClaims;
    try {
      claims = tokens.verify(token);
    } catch {
      throw new UnauthenticatedError('A valid access token is required');
    }
    if (await revocation.isRevoked(claims)) throw new UnauthenticatedError('The token was revoked');
    const user = toAuthUser(claims);
    if (user.mustChangePassword) throw new ForbiddenError('Change your password before using GEMA', 'PASSWORD_CHANGE_REQUIRED');
    return user;
  };

  return { requireAuth, requireRole, authenticateToken };
}
