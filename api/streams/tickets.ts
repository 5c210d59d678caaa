import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { UnauthenticatedError } from '../../common/errors';
import type { StreamTopic } from '../../common/realtime/stream-log';
import type { AuthUser } from '../auth/middleware';

export const TICKET_TTL_SECONDS = 60;

/**
 * One-time stream tickets for `EventSource`, which cannot send an Authorization header: a random
 * value that opens one stream of one topic within 60 s and is gone once used. Only its hash is
 * stored, and the access token never travels in a URL.
 */
export class StreamTickets {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(ticket: string) {
    return `${this.prefix}stream-ticket:${crypto.createHash('sha256').update(ticket).digest('hex')}`;
  }

  async issue(user: AuthUser, topic: StreamTopic): Promise<{ ticket: string; expiresIn: number }> {
    const ticket = crypto.randomBytes(32).toString('base64url');
    await this.redis.set(this.key(ticket), JSON.stringify({ user, topic }), 'EX', TICKET_TTL_SECONDS);
    return { ticket, expiresIn: TICKET_TTL_SECONDS };
  }

  /** The user the ticket was issued to; it is deleted in the same command, so it works once. */
  async redeem(ticket: string, topic: StreamTopic): Promise<AuthUser> {
    const raw = await this.redis.getdel(this.key(ticket));
    if (!raw) throw new UnauthenticatedError('The stream ticket is unknown, used or expired', 'INVALID_TICKET');
    const stored = JSON.parse(raw) as { user: AuthUser; topic: StreamTopic };
    if (stored.topic !== topic) throw new UnauthenticatedError('The stream ticket is for another stream', 'INVALID_TICKET');
    return stored.user;
  }
}
