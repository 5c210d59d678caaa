import type { RequestHandler } from 'express';
import type { AuthMiddleware } from '../auth/middleware';

/**
 * For routes anyone may read: with no Authorization header the caller is anonymous
 * (`req.user` unset); with one, it must be valid (401 otherwise), exactly as `requireAuth` demands,
 * so a bad token is never silently treated as nobody.
 */
export function optionalAuth(auth: AuthMiddleware): RequestHandler {
  return (req, res, next) => {
    if (req.headers.authorization === undefined) return next();
    auth.requireAuth(req, res, next);
  };
}

/** Marks requests with no credentials, for limiters and caches that treat them apart. */
export const isAnonymous = (req: { headers: { authorization?: string } }) => req.headers.authorization === undefined;
