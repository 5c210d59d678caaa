import { expect } from 'chai';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { app, apiDeps } from '../support/deps';
import { createUser } from '../support/factories';
import { OneTimeToken, RefreshToken } from '../../common/models';
import { mintOneTimeToken } from '../../common/auth/one-time-tokens';
import { auth, login, refresh, type Tokens } from '../support/auth';

/** The login (refresh family) a pair belongs to: the `sid` claim of its access token. */
const sessionOf = (tokens: Tokens) => (jwt.decode(tokens.access_token) as { sid: string }).sid;

describe('auth: dead tokens are purged, not kept forever', () => {
  it('deletes a user’s dead logins (logged out, expired, past the maximum age) when they log in again', async () => {
    const user = await createUser();
    const [loggedOut, expired, tooOld, alive] = [await login(user), await login(user), await login(user), await login(user)];
    await refresh(alive.refresh_token).expect(200);
    await request(app()).post('/api/v2/auth/logout').set(auth(loggedOut)).expect(204);
    await RefreshToken.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { familyId: sessionOf(expired) } });
    const beforeMaxAge = new Date(Date.now() - (apiDeps().config.auth.familyMaxAgeSeconds + 60) * 1000);
    await RefreshToken.update({ familyStartedAt: beforeMaxAge }, { where: { familyId: sessionOf(tooOld) } });
    expect(await RefreshToken.count({ where: { userId: user.id } })).to.equal(5);

    const fresh = await login(user);
    const families = (await RefreshToken.findAll({ where: { userId: user.id } })).map((r) => r.familyId);
    // the live login keeps both its rows (the rotated one is still needed to catch a reuse)
    expect(families.sort()).to.deep.equal([sessionOf(alive), sessionOf(alive), sessionOf(fresh)].sort());
    for (const dead of [loggedOut, expired, tooOld]) await refresh(dead.refresh_token).expect(401);
  });

  it('leaves other users’ dead logins to their own next login', async () => {
    const owner = await createUser();
    const other = await createUser();
    const tokens = await login(other);
    await request(app()).post('/api/v2/auth/logout').set(auth(tokens)).expect(204);
    await login(owner);
    expect(await RefreshToken.count({ where: { userId: other.id } })).to.equal(1);
  });

  it('still treats a rotated token of a live login as theft after a purge', async () => {
    const user = await createUser();
    const first = await login(user);
    await refresh(first.refresh_token).expect(200);
    await login(user);
    const reuse = await refresh(first.refresh_token).expect(401);
    expect(reuse.body.error.code).to.equal('REFRESH_TOKEN_REUSED');
  });

  it('deletes a user’s used and expired one-time tokens when it mints a new one, keeping the live ones', async () => {
    const user = await createUser({ verified: false });
    const secret = apiDeps().config.auth.jwtRefreshSecret;
    await mintOneTimeToken(secret, user.id, 'verify_email');
    await mintOneTimeToken(secret, user.id, 'password_reset');
    await mintOneTimeToken(secret, user.id, 'verify_email');
    const [used, expired, live] = await OneTimeToken.findAll({ where: { userId: user.id }, order: [['createdAt', 'ASC']] });
    await used!.update({ usedAt: new Date() });
    await expired!.update({ expiresAt: new Date(Date.now() - 1000) });

    await mintOneTimeToken(secret, user.id, 'verify_email');
    const left = await OneTimeToken.findAll({ where: { userId: user.id } });
    expect(left).to.have.length(2);
    expect(left.map((t) => t.id)).to.include(live!.id);
    expect(left.map((t) => t.id)).to.not.include.members([used!.id, expired!.id]);
  });
});
