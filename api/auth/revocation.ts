import type { Redis } from 'ioredis';
import type { AccessClaims } from './tokens';
import { deniedBy, denyKeys, denySessionIds, denyTokenId, denyUsers } from '../../common/auth/session-deny-list';

/** What the deny list needs to know of a token. */
export type RevocationSubject = Pick<AccessClaims, 'jti' | 'sid' | 'sub' | 'iat'>;

/**
 * Access tokens are stateless, so logging out has to deny them until they expire. A token is dead
 * when its own id, its session (refresh family) id or its user (suspended, deleted) is on the deny
 * list; all three are read at once: inside the global limiter's count on HTTP (api/auth/middleware.ts),
 * with a single MGET otherwise.
 */
export class AccessRevocation {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async denyToken(jti: string, expiresAtSeconds: number): Promise<void> {
    await denyTokenId(this.redis, this.prefix, jti, expiresAtSeconds);
  }

  /** Kills every access token of these sessions; `ttlSeconds` is the access token lifetime. */
  async denySessions(sessionIds: string[], ttlSeconds: number): Promise<void> {
    await denySessionIds(this.redis, this.prefix, sessionIds, ttlSeconds);
  }

  /** Kills every access token the users hold now, in any session; `ttlSeconds` is the access token lifetime. */
  async denyUsers(userIds: string[], ttlSeconds: number): Promise<void> {
    await denyUsers(this.redis, this.prefix, userIds, ttlSeconds);
  }

  /** The deny keys of a token, in the order `deniedBy` reads them. */
  keysOf(claims: RevocationSubject): string[] {
    return [denyKeys.jti(this.prefix, claims.jti), denyKeys.sid(this.prefix, claims.sid), denyKeys.user(this.prefix, claims.sub)];
  }

  async isRevoked(claims: RevocationSubject): Promise<boolean> {
    return this.deniedIn(await this.read(this.keysOf(claims)), claims);
  }

  /** The deny-list values of `keysOf`, read alone (the global limiter's count reads them otherwise). */
  read(keys: string[]): Promise<(string | null)[]> {
    return this.redis.mget(keys);
  }

  /** Whether a token is dead by the values of its `keysOf`, read by whichever Redis call. */
  deniedIn(values: (string | null)[], claims: RevocationSubject): boolean {
    return deniedBy(values, claims.iat);
  }

  /** For many tokens at once (a sweep of the sockets a process holds): one MGET. */
  async revokedAmong(subjects: RevocationSubject[]): Promise<boolean[]> {
    if (subjects.length === 0) return [];
    const values = await this.redis.mget(subjects.flatMap((s) => this.keysOf(s)));
    return subjects.map((s, i) => deniedBy(values.slice(i * 3, i * 3 + 3), s.iat));
  }
}
