import type { Redis } from 'ioredis';
import type { AccessClaims } from './tokens';
import { denyKeys, denySessionIds } from '../../common/auth/session-deny-list';

/**
 * Access tokens are stateless, so logging out has to deny them until they expire. A token is dead
 * when its own id or its session (refresh family) id is on the deny list; both are checked with a
 * single MGET, the only Redis round trip an authenticated request pays.
 */
export class AccessRevocation {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private jtiKey(jti: string) {
    return denyKeys.jti(this.prefix, jti);
  }
  private sidKey(sid: string) {
    return denyKeys.sid(this.prefix, sid);
  }

  async denyToken(jti: string, expiresAtSeconds: number): Promise<void> {
    const ttl = Math.max(1, expiresAtSeconds - Math.floor(Date.now() / 1000));
    await this.redis.set(this.jtiKey(jti), '1', 'EX', ttl);
  }

  /** Kills every access token of these sessions; `ttlSeconds` is the access token lifetime. */
  async denySessions(sessionIds: string[], ttlSeconds: number): Promise<void> {
    await denySessionIds(this.redis, this.prefix, sessionIds, ttlSeconds);
  }

  async isRevoked(claims: Pick<AccessClaims, 'jti' | 'sid'>): Promise<boolean> {
    const [jti, sid] = await this.redis.mget(this.jtiKey(claims.jti), this.sidKey(claims.sid));
    return jti !== null || sid !== null;
  }
}
