import type { Request, RequestHandler } from 'express';
import { createRateLimiter } from '../middleware/rate-limit';
import type { ApiDeps } from '../deps';

const MINUTE = 60_000;

export interface AuthLimiters {
  loginByIp: RequestHandler;
  loginByEmail: RequestHandler;
  /**
   * Password change, per signed-in user: a stolen access token must not turn the current-password
   * check into an oracle for guessing the password at bcrypt speed.
   */
  changeByUser: RequestHandler;
  /** register, forgot password and resend verification share one per-IP budget each */
  perIp: (name: 'register' | 'forgot' | 'resend') => RequestHandler;
}

const pass: RequestHandler = (_req, _res, next) => next();

/** The account a login names: its email, or its NIS (README.md#admin-people). */
function emailOf(req: Request): string | undefined {
  const body = req.body as { email?: unknown; nis?: unknown } | undefined;
  const email = body?.email;
  if (typeof email === 'string' && email.trim()) return `email:${email.trim().toLowerCase()}`;
  const nis = body?.nis;
  return typeof nis === 'string' && nis.trim() ? `nis:${nis.trim()}` : undefined;
}

/**
 * Brute-force brakes for the unauthenticated auth routes, counted in the shared Redis store so the
 * limits hold across API instances: login 5/min per IP and 5/15 min per account; register, forgot
 * and resend 5/min per IP; password change 5/15 min per user. RATE_LIMIT_ENABLED=false turns them off with the global limiter.
 */
export function authLimiters(deps: ApiDeps): AuthLimiters {
  const { config, redis } = deps;
  const { enabled, authMax, authEmailMax } = config.rateLimit;
  const base = { redis, prefix: config.redis.prefix };
  if (!enabled) return { loginByIp: pass, loginByEmail: pass, changeByUser: pass, perIp: () => pass };
  const perIp: Record<string, RequestHandler> = {};
  for (const name of ['register', 'forgot', 'resend'] as const) {
    perIp[name] = createRateLimiter({ ...base, name: `auth-${name}-ip`, windowMs: MINUTE, max: authMax });
  }
  return {
    loginByIp: createRateLimiter({ ...base, name: 'auth-login-ip', windowMs: MINUTE, max: authMax }),
    loginByEmail: createRateLimiter({
      ...base,
      name: 'auth-login-email',
      windowMs: 15 * MINUTE,
      max: authEmailMax,
      key: emailOf,
      // no email: the body fails validation anyway, and the IP limiter already counted it
      skip: (req) => emailOf(req) === undefined,
      message: 'Too many login attempts for this account, try again later',
    }),
    changeByUser: createRateLimiter({
      ...base,
      name: 'auth-change-user',
      windowMs: 15 * MINUTE,
      max: authEmailMax,
      // requireAuth runs first, so the user is known
      key: (req) => (req.user ? `user:${req.user.id}` : undefined),
      message: 'Too many password change attempts, try again later',
    }),
    perIp: (name) => perIp[name]!,
  };
}
