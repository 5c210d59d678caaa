import type { RequestHandler } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../../../common/errors';
import type { AccessRevocation } from '../../auth/revocation';
import { QUEUE_COOKIE, readCookie, type QueueSessions } from './session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a state-changing request comes from a page of this origin. The cookie is SameSite=Strict,
 * which already keeps it off cross-site requests; this second check refuses what a browser marks as
 * cross-site (Fetch Metadata), or, from browsers without it, an Origin naming another host.
 */
function sameOrigin(headers: Record<string, string | string[] | undefined>, host: string | undefined): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Lets a request into bull-board only with a valid queue cookie of an admin whose sign-in session
 * is still alive (README.md#admin-queue-dashboard); writes must also pass the same-origin check.
 */
export function queueDashboardGuard(sessions: QueueSessions, revocation: AccessRevocation): RequestHandler {
  return (req, _res, next) => {
    const token = readCookie(req.headers.cookie, QUEUE_COOKIE);
    const session = token ? sessions.verify(token) : null;
    if (!session) return next(new UnauthenticatedError('Open the queue dashboard through POST /api/v2/admin/queues/session'));
    void revocation.isRevoked({ jti: session.jti, sid: session.sid, sub: session.userId, iat: session.iat }).then(
      (revoked) => {
        if (revoked) return next(new UnauthenticatedError('The session behind this cookie has ended'));
        if (session.role !== 'admin') return next(new ForbiddenError('Only admins may use the queue dashboard'));
        if (!SAFE_METHODS.has(req.method) && !sameOrigin(req.headers, req.get('host'))) {
          return next(new ForbiddenError('Cross-site request refused', 'CSRF_REJECTED'));
        }
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
