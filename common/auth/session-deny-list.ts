import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';

/**
 * The Redis keys of the access-token deny list, shared by the API (logout, staff actions) and the
 * workers (a large import that moves students), so both end sessions the same way.
 */
export const denyKeys = {
  jti: (prefix: string, jti: string) => `${prefix}auth:deny:jti:${jti}`,
  sid: (prefix: string, sid: string) => `${prefix}auth:deny:sid:${sid}`,
};

/** Kills every access token of these sessions; `ttlSeconds` is the access token lifetime. */
export async function denySessionIds(redis: Redis, prefix: string, sessionIds: string[], ttlSeconds: number): Promise<void> {
  if (sessionIds.length === 0) return;
  const multi = redis.multi();
  for (const sid of sessionIds) multi.set(denyKeys.sid(prefix, sid), '1', 'EX', ttlSeconds);
  await multi.exec();
}

/**
 * Ends every live session of many users in one statement and one Redis round trip: their refresh
 * tokens are revoked and their sessions put on the deny list, so existing access tokens die now.
 */
export async function revokeSessionsOfUsers(
  deps: { sequelize: Sequelize; redis: Redis; prefix: string; accessTtlSeconds: number },
  userIds: string[],
  reason: 'admin' | 'password' | 'logout',
): Promise<number> {
  if (userIds.length === 0) return 0;
  const [rows] = await deps.sequelize.query(
    `UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = $reason
     WHERE user_id = ANY($users::uuid[]) AND revoked_at IS NULL RETURNING family_id`,
    { bind: { users: userIds, reason } },
  );
  const families = [...new Set((rows as { family_id: string }[]).map((r) => r.family_id))];
  await denySessionIds(deps.redis, deps.prefix, families, deps.accessTtlSeconds);
  return families.length;
}
