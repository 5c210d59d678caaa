import crypto, { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../../../common/config';
import type { AuthUser } from '../../auth/middleware';

/** The queue dashboard's cookie (README.md#admin-queue-dashboard). */
export const QUEUE_COOKIE = 'gema_queues';
export const QUEUE_DASHBOARD_PATH = '/api/v2/admin/queues';
export const QUEUE_SESSION_TTL_SECONDS = 10 * 60;

/** Its own audience, so neither this token nor an access token is accepted in the other's place. */
const AUDIENCE = 'gema-queues';

export interface QueueSession {
  userId: string;
  /** the sign-in session it came from: logging out or any revocation of it ends this one too */
  sid: string;
  jti: string;
  role: string;
  iat: number;
  exp: number;
}

export class QueueSessions {
  private readonly key: KeyObject;

  constructor(private readonly config: Pick<Config, 'auth'>) {
    // a key of its own, derived from the access-token secret
    this.key = crypto.createSecretKey(crypto.createHmac('sha256', config.auth.jwtSecret).update('queue-dashboard-cookie').digest());
  }

  issue(user: Pick<AuthUser, 'id' | 'role' | 'sid'>, ttlSeconds = QUEUE_SESSION_TTL_SECONDS): { token: string; expiresAt: Date } {
    const token = jwt.sign({ role: user.role, sid: user.sid }, this.key, {
      algorithm: 'HS256',
      expiresIn: ttlSeconds,
      subject: user.id,
      jwtid: crypto.randomUUID(),
      issuer: this.config.auth.issuer,
      audience: AUDIENCE,
    });
    return { token, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
  }

  /** The session, or null for a missing, forged, expired or foreign token. */
  verify(token: string): QueueSession | null {
    try {
      const c = jwt.verify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE, issuer: this.config.auth.issuer }) as jwt.JwtPayload;
      if (!c.sub || !c.jti || typeof c.sid !== 'string' || typeof c.role !== 'string' || typeof c.iat !== 'number' || typeof c.exp !== 'number') {
        return null;
      }
      return { userId: c.sub, sid: c.sid, jti: c.jti, role: c.role, iat: c.iat, exp: c.exp };
    } catch {
      return null;
    }
  }
}

/** The value of one cookie from the Cookie header; a dependency for this would parse what we never read. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined; // a malformed escape is no cookie of ours
    }
  }
  return undefined;
}
