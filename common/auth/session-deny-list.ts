import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';

/**
 * The Redis keys of the access-token deny list, shared by the API (logout, staff actions) and the
 * workers (a large import that moves students), so both end sessions the same way.
 */
export const denyKeys = {
  jti: (prefix: string, jti: string) => `${prefix}auth:deny:jti:${jti}`,
  sid: (prefix: string, sid: string) => `${prefix}auth:deny:sid:${sid}`,
  /** holds a time in seconds: every token of the user issued at or before it is dead */
  user: (prefix: string, userId: string) => `${prefix}auth:deny:user:${userId}`,
};

/**
 * What was just put on the deny list, published on `revocationChannel` in the same MULTI as the keys,
 * so every API process can close the sockets and streams it holds for those tokens, sessions or users.
 */
export interface RevocationEvent {
  tokens?: string[];
  sessions?: string[];
  /** `before`: tokens issued at or before this time (seconds) are dead */
  users?: { id: string; before: number }[];
}

export const revocationChannel = (prefix: string) => `${prefix}auth:revoked`;

/** Kills one access token until it expires at `expiresAtSeconds`. */
export async function denyTokenId(redis: Redis, prefix: string, jti: string, expiresAtSeconds: number): Promise<void> {
  const ttl = Math.max(1, expiresAtSeconds - Math.floor(Date.now() / 1000));
  const event: RevocationEvent = { tokens: [jti] };
  await redis.multi().set(denyKeys.jti(prefix, jti), '1', 'EX', ttl).publish(revocationChannel(prefix), JSON.stringify(event)).exec();
}

/** Kills every access token of these sessions; `ttlSeconds` is the access token lifetime. */
export async function denySessionIds(redis: Redis, prefix: string, sessionIds: string[], ttlSeconds: number): Promise<void> {
  if (sessionIds.length === 0) return;
  const multi = redis.multi();
  for (const sid of sessionIds) multi.set(denyKeys.sid(prefix, sid), '1', 'EX', ttlSeconds);
  const event: RevocationEvent = { sessions: sessionIds };
  multi.publish(revocationChannel(prefix), JSON.stringify(event));
  await multi.exec();
}

/**
 * Kills every access token the users hold now, whatever session it belongs to, including one whose
 * refresh tokens are already gone (suspension, deletion). A token issued later in the same second
 * is refused too, which only a staff action undone within that second could meet.
 */
export async function denyUsers(redis: Redis, prefix: string, userIds: string[], ttlSeconds: number): Promise<void> {
  if (userIds.length === 0) return;
  const before = Math.floor(Date.now() / 1000);
  const multi = redis.multi();
  // one more second than a token lives, so the last token issued in `before` is past its expiry
  for (const id of userIds) multi.set(denyKeys.user(prefix, id), String(before), 'EX', ttlSeconds + 1);
  const event: RevocationEvent = { users: userIds.map((id) => ({ id, before })) };
  multi.publish(revocationChannel(prefix), JSON.stringify(event));
  await multi.exec();
}

/** Whether an MGET of `[jti, sid, user]` deny keys says the token issued at `iat` is dead. */
export function deniedBy(values: (string | null)[], iat: number): boolean {
  const [jti, sid, user] = values;
  return jti != null || sid != null || (user != null && iat <= Number(user));
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
