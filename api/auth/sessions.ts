import crypto from 'node:crypto';
import { Op, type Sequelize, type Transaction } from 'sequelize';
import { RefreshToken, type RevokeReason } from '../../common/models';
import { hashOpaqueToken, looksLikeOpaqueToken, newOpaqueToken } from '../../common/auth/opaque-tokens';
import type { Config } from '../../common/config';
import type { AccessRevocation } from './revocation';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface IssuedRefresh {
  token: string;
  familyId: string;
  expiresAt: Date;
}

export type RotationResult =
  | { outcome: 'rotated'; userId: string; refresh: IssuedRefresh }
  /** unknown, expired, or revoked by logout / password reset */
  | { outcome: 'invalid' }
  /** another request is rotating this very token right now */
  | { outcome: 'busy' }
  /** a token that was already rotated came back: the family is now revoked */
  | { outcome: 'reused'; userId: string; familyId: string };

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Refresh tokens as database rows: opaque, stored as a keyed hash, one family per login. Revoking a
 * family also puts its id on the Redis deny list, which kills the access tokens minted from it.
 */
export class RefreshSessions {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly config: Pick<Config, 'auth'>,
    private readonly revocation: AccessRevocation,
  ) {}

  private hash(token: string) {
    return hashOpaqueToken(this.config.auth.jwtRefreshSecret, token);
  }

  /** The moment a login begun at `startedAt` ends for good, however often it was refreshed. */
  private familyDeadline(startedAt: Date): number {
    return startedAt.getTime() + this.config.auth.familyMaxAgeSeconds * 1000;
  }

  /**
   * A new refresh token: of a new login, or the next of an existing family. It expires after
   * JWT_REFRESH_TTL, but never after its family's deadline.
   */
  async issue(
    userId: string,
    client: ClientInfo,
    family: { id: string; startedAt: Date } = { id: crypto.randomUUID(), startedAt: new Date() },
    transaction?: Transaction,
  ) {
    const token = newOpaqueToken();
    const expiresAt = new Date(Math.min(Date.now() + this.config.auth.refreshTtlSeconds * 1000, this.familyDeadline(family.startedAt)));
    const familyId = family.id;
    const row = await RefreshToken.create(
      {
        userId,
        familyId,
        familyStartedAt: family.startedAt,
        tokenHash: this.hash(token),
        expiresAt,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        ip: client.ip,
      },
      { transaction },
    );
    return { token, familyId, expiresAt, id: row.id };
  }

  /**
   * Exchanges a refresh token for a new one in one transaction. The row is locked with NOWAIT: of
   * two concurrent refreshes with one token, the second finds the lock taken and loses at once
   * without being mistaken for theft; a token that comes back after its rotation committed is theft.
   */
  async rotate(token: string, client: ClientInfo): Promise<RotationResult> {
    if (!looksLikeOpaqueToken(token)) return { outcome: 'invalid' };
    const tokenHash = this.hash(token);
    let result: RotationResult;
    try {
      result = await this.sequelize.transaction(async (transaction) => {
        // Sequelize's finders cannot say NOWAIT
        const [row] = await this.sequelize.query<RefreshToken>('SELECT * FROM refresh_tokens WHERE token_hash = $hash FOR UPDATE NOWAIT', {
          bind: { hash: tokenHash },
          model: RefreshToken,
          mapToModel: true,
          transaction,
        });
        if (!row) return { outcome: 'invalid' } as const;
        if (row.revokedAt) {
          if (row.revokedReason === 'rotated') return { outcome: 'reused', userId: row.userId, familyId: row.familyId } as const;
          return { outcome: 'invalid' } as const;
        }
        if (row.expiresAt.getTime() <= Date.now()) return { outcome: 'invalid' } as const;
        // also catches rows issued before REFRESH_FAMILY_MAX_AGE was lowered
        if (this.familyDeadline(row.familyStartedAt) <= Date.now()) return { outcome: 'invalid' } as const;
        const family = { id: row.familyId, startedAt: row.familyStartedAt };
        const next = await this.issue(row.userId, client, family, transaction);
        await row.update({ revokedAt: new Date(), revokedReason: 'rotated', replacedBy: next.id }, { transaction });
        return { outcome: 'rotated', userId: row.userId, refresh: next } as const;
      });
    } catch (err) {
      if ((err as { parent?: { code?: string } }).parent?.code === LOCK_NOT_AVAILABLE) return { outcome: 'busy' };
      throw err;
    }
    if (result.outcome === 'reused') await this.revokeFamily(result.familyId, 'reuse');
    return result;
  }

  /**
   * Deletes the user's dead logins: families in which every token is revoked, expired or past the
   * family's maximum age. Such a token is refused whether or not its row exists, so nothing a client
   * can do changes; the rows would otherwise pile up forever (each refresh adds one).
   */
  async purgeDead(userId: string): Promise<number> {
    const [, meta] = await this.sequelize.query(
      `DELETE FROM refresh_tokens WHERE user_id = $user AND family_id IN (
         SELECT family_id FROM refresh_tokens WHERE user_id = $user GROUP BY family_id
         HAVING bool_and(revoked_at IS NOT NULL OR expires_at <= now()
                         OR family_started_at <= now() - make_interval(secs => $maxAge)))`,
      { bind: { user: userId, maxAge: this.config.auth.familyMaxAgeSeconds } },
    );
    return (meta as { rowCount?: number } | undefined)?.rowCount ?? 0;
  }

  async revokeFamily(familyId: string, reason: RevokeReason): Promise<void> {
    await RefreshToken.update({ revokedAt: new Date(), revokedReason: reason }, { where: { familyId, revokedAt: null } });
    await this.revocation.denySessions([familyId], this.config.auth.accessTtlSeconds);
  }

  /**
   * Every session of the user and every access token they hold, even one whose refresh tokens are
   * gone: for an account that may no longer sign in (suspended, deleted).
   */
  async revokeEverything(userId: string, reason: RevokeReason): Promise<number> {
    const families = await this.revokeAllOfUser(userId, reason);
    await this.revocation.denyUsers([userId], this.config.auth.accessTtlSeconds);
    return families;
  }

  /** Every live session of the user, except `keepFamilyId` when given (the caller's own). */
  async revokeAllOfUser(userId: string, reason: RevokeReason, keepFamilyId?: string): Promise<number> {
    const where = {
      userId,
      revokedAt: null,
      ...(keepFamilyId ? { familyId: { [Op.ne]: keepFamilyId } } : {}),
    };
    const [, rows] = await RefreshToken.update({ revokedAt: new Date(), revokedReason: reason }, { where, returning: true });
    const families = [...new Set(rows.map((r) => r.familyId))];
    await this.revocation.denySessions(families, this.config.auth.accessTtlSeconds);
    return families.length;
  }
}
