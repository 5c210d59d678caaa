import { Op, type Transaction } from 'sequelize';
import { OneTimeToken, type OneTimePurpose } from '../models';
import { hashOpaqueToken, looksLikeOpaqueToken, newOpaqueToken } from './opaque-tokens';

export const ONE_TIME_TTL_SECONDS: Record<OneTimePurpose, number> = {
  verify_email: 24 * 3600,
  password_reset: 3600,
};

/**
 * Mints a one-time token and stores its hash. The worker calls this right before it sends the
 * email, so the clear token exists only in the message, never in a job payload.
 */
export async function mintOneTimeToken(
  secret: string,
  userId: string,
  purpose: OneTimePurpose,
  transaction?: Transaction,
  /** longer than the purpose's default, e.g. an invitation that sets the first password */
  ttlSeconds: number = ONE_TIME_TTL_SECONDS[purpose],
): Promise<{ token: string; expiresAt: Date }> {
  // the user's used and expired tokens can never be used again: drop them rather than keep them forever
  await OneTimeToken.destroy({
    where: { userId, [Op.or]: [{ usedAt: { [Op.ne]: null } }, { expiresAt: { [Op.lte]: new Date() } }] },
    transaction,
  });
  const token = newOpaqueToken();
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await OneTimeToken.create({ userId, purpose, tokenHash: hashOpaqueToken(secret, token), expiresAt }, { transaction });
  return { token, expiresAt };
}

/**
 * Uses a token up: a conditional UPDATE, so of two concurrent uses only one gets the row. Every
 * other outstanding token of the same purpose for that user dies with it (a resent email's older
 * link must not stay usable). Returns the user id, or null when the token is unknown, used or expired.
 */
export async function consumeOneTimeToken(secret: string, token: string, purpose: OneTimePurpose, transaction: Transaction): Promise<string | null> {
  if (!looksLikeOpaqueToken(token)) return null;
  const [count, rows] = await OneTimeToken.update(
    { usedAt: new Date() },
    {
      where: {
        tokenHash: hashOpaqueToken(secret, token),
        purpose,
        usedAt: null,
        expiresAt: { [Op.gt]: new Date() },
      },
      returning: true,
      transaction,
    },
  );
  if (count === 0) return null;
  const userId = rows[0]!.userId;
  await OneTimeToken.update({ usedAt: new Date() }, { where: { userId, purpose, usedAt: null }, transaction });
  return userId;
}
