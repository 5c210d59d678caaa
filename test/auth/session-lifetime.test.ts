import { expect } from 'chai';
import { apiDeps } from '../support/deps';
import { createUser } from '../support/factories';
import { RefreshToken } from '../../common/models';
import { login, refresh, sessionStatus } from '../support/auth';

const DAY = 24 * 3600 * 1000;

async function rowsOf(userId: string) {
  return RefreshToken.findAll({ where: { userId }, order: [['createdAt', 'ASC']] });
}

/** Moves the start of every login of the user into the past, as if it had begun `days` ago. */
async function loginBegan(userId: string, daysAgo: number) {
  await RefreshToken.update({ familyStartedAt: new Date(Date.now() - daysAgo * DAY) }, { where: { userId } });
}

describe('auth: the absolute lifetime of a login (REFRESH_FAMILY_MAX_AGE)', () => {
  const maxAgeMs = () => apiDeps().config.auth.familyMaxAgeSeconds * 1000;

  it('defaults to 30 days', () => {
    expect(apiDeps().config.auth.familyMaxAgeSeconds).to.equal(30 * 24 * 3600);
  });

  it('stamps a login with its start and carries that start through every rotation', async () => {
    const user = await createUser();
    const first = await login(user);
    await refresh(first.refresh_token).expect(200);
    const [a, b] = await rowsOf(user.id);
    expect(a!.familyStartedAt.getTime()).to.be.at.most(a!.createdAt.getTime() + 1000);
    expect(b!.familyStartedAt.getTime()).to.equal(a!.familyStartedAt.getTime());
  });

  it('refuses to refresh a login older than the maximum age, even with an unexpired token', async () => {
    const user = await createUser();
    const tokens = await login(user);
    await loginBegan(user.id, 31);
    const res = await refresh(tokens.refresh_token).expect(401);
    expect(res.body.error.code).to.equal('INVALID_REFRESH_TOKEN');
    // only the refresh ends; the access token already issued lives out its 15 minutes
    expect(await sessionStatus(tokens)).to.equal(200);
  });

  it('never issues a refresh token that outlives its login’s maximum age', async () => {
    const user = await createUser();
    const tokens = await login(user);
    await loginBegan(user.id, 29);
    await refresh(tokens.refresh_token).expect(200);
    const [first, next] = await rowsOf(user.id);
    const deadline = first!.familyStartedAt.getTime() + maxAgeMs();
    expect(next!.expiresAt.getTime()).to.equal(deadline);
    // the control: without the cap this token would have lived the full JWT_REFRESH_TTL (7 days)
    expect(next!.expiresAt.getTime()).to.be.below(next!.createdAt.getTime() + apiDeps().config.auth.refreshTtlSeconds * 1000);
  });

  it('leaves a young login’s refresh tokens their full lifetime', async () => {
    const user = await createUser();
    const tokens = await login(user);
    await refresh(tokens.refresh_token).expect(200);
    const [, next] = await rowsOf(user.id);
    const ttl = next!.expiresAt.getTime() - next!.createdAt.getTime();
    expect(ttl).to.be.within(apiDeps().config.auth.refreshTtlSeconds * 1000 - 1000, apiDeps().config.auth.refreshTtlSeconds * 1000 + 1000);
  });
});
