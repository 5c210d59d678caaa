import { expect } from 'chai';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { app, apiDeps } from '../support/deps';
import { createUser } from '../support/factories';
import { RefreshToken } from '../../common/models';
import { auth, login, refresh, sessionStatus } from '../support/auth';

describe('auth: refresh token rotation', () => {
  it('stores only a hash of the refresh token, with the client it was issued to', async () => {
    const user = await createUser();
    const res = await request(app())
      .post('/api/v2/auth/login')
      .set('User-Agent', 'gema-mobile/1.0')
      .send({ email: user.email, password: 'correct horse battery' })
      .expect(200);
    const rows = await RefreshToken.findAll({ where: { userId: user.id } });
    expect(rows).to.have.length(1);
    expect(rows[0]!.tokenHash).to.match(/^[0-9a-f]{64}$/);
    expect(rows[0]!.tokenHash).to.not.include(res.body.refresh_token);
    expect(rows[0]!.userAgent).to.equal('gema-mobile/1.0');
    expect(rows[0]!.ip).to.be.a('string');
    expect(rows[0]!.expiresAt.getTime()).to.be.greaterThan(Date.now() + 6 * 24 * 3600 * 1000);
  });

  it('revokes the old refresh token when it is exchanged, and links it to its replacement', async () => {
    const user = await createUser();
    const first = await login(user);
    const second = (await refresh(first.refresh_token).expect(200)).body;
    const rows = await RefreshToken.findAll({ where: { userId: user.id }, order: [['createdAt', 'ASC']] });
    expect(rows).to.have.length(2);
    expect(rows[0]!.revokedReason).to.equal('rotated');
    expect(rows[0]!.replacedBy).to.equal(rows[1]!.id);
    expect(rows[1]!.familyId).to.equal(rows[0]!.familyId);
    expect(rows[1]!.revokedAt).to.equal(null);
    await refresh(second.refresh_token).expect(200);
  });

  it('treats a rotated token presented again as theft: 401 and every token of that login revoked', async () => {
    const user = await createUser();
    const first = await login(user);
    const second = (await refresh(first.refresh_token).expect(200)).body;
    const reuse = await refresh(first.refresh_token).expect(401);
    expect(reuse.body.error.code).to.equal('REFRESH_TOKEN_REUSED');
    // the thief's copy and the rightful holder's newer token are both dead now
    await refresh(second.refresh_token).expect(401);
    expect(await sessionStatus(second)).to.equal(401);
    expect(await sessionStatus(first)).to.equal(401);
    const live = await RefreshToken.count({ where: { userId: user.id, revokedAt: null } });
    expect(live).to.equal(0);
  });

  it('leaves the user’s other logins alone when one family is revoked for reuse', async () => {
    const user = await createUser();
    const phone = await login(user);
    const laptop = await login(user);
    await refresh(phone.refresh_token).expect(200);
    await refresh(phone.refresh_token).expect(401);
    expect(await sessionStatus(laptop)).to.equal(200);
    await refresh(laptop.refresh_token).expect(200);
  });

  it('lets exactly one of several concurrent refreshes with the same token succeed', async () => {
    const user = await createUser();
    const tokens = await login(user);
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(tokens.refresh_token)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([200, 401, 401, 401, 401]);
    // one rotation happened: the original token and exactly one replacement
    expect(await RefreshToken.count({ where: { userId: user.id } })).to.equal(2);
  });

  it('turns away a refresh while another request holds the token, without treating it as theft', async () => {
    const user = await createUser();
    const tokens = await login(user);
    const sequelize = apiDeps().sequelize;
    const holder = await sequelize.transaction();
    try {
      // stands in for a concurrent refresh that has the row locked and has not committed yet
      await sequelize.query('SELECT id FROM refresh_tokens WHERE user_id = $id FOR UPDATE', { bind: { id: user.id }, transaction: holder });
      const loser = await refresh(tokens.refresh_token).expect(401);
      expect(loser.body.error.code).to.equal('INVALID_REFRESH_TOKEN');
    } finally {
      await holder.rollback();
    }
    expect(await sessionStatus(tokens)).to.equal(200);
    await refresh(tokens.refresh_token).expect(200);
  });

  it('refuses an unknown, malformed or missing refresh token', async () => {
    await refresh('x'.repeat(43)).expect(401);
    await refresh('not a token').expect(401);
    const missing = await request(app()).post('/api/v2/auth/refresh').send({}).expect(400);
    expect(missing.body.error.details[0].field).to.equal('refresh_token');
  });

  it('refuses an expired refresh token', async () => {
    const user = await createUser();
    const tokens = await login(user);
    await RefreshToken.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { userId: user.id } });
    const res = await refresh(tokens.refresh_token).expect(401);
    expect(res.body.error.code).to.equal('INVALID_REFRESH_TOKEN');
  });

  it('refuses to refresh a suspended account', async () => {
    const user = await createUser();
    const tokens = await login(user);
    await user.update({ status: 'suspended' });
    await refresh(tokens.refresh_token).expect(401);
  });

  it('logs out one session, leaving the others signed in', async () => {
    const user = await createUser();
    const a = await login(user);
    const b = await login(user);
    await request(app()).post('/api/v2/auth/logout').set(auth(a)).expect(204);
    expect(await sessionStatus(a)).to.equal(401);
    await refresh(a.refresh_token).expect(401);
    expect(await sessionStatus(b)).to.equal(200);
  });

  it('keeps a logged-out token and its session on the Redis deny list only until the access token expires', async () => {
    const user = await createUser();
    const tokens = await login(user);
    const claims = jwt.decode(tokens.access_token) as { jti: string; sid: string; exp: number };
    await request(app()).post('/api/v2/auth/logout').set(auth(tokens)).expect(204);
    const { redis, config } = apiDeps();
    const jtiTtl = await redis.ttl(`${config.redis.prefix}auth:deny:jti:${claims.jti}`);
    const sidTtl = await redis.ttl(`${config.redis.prefix}auth:deny:sid:${claims.sid}`);
    // -2 would be a missing key, -1 one that never expires
    expect(jtiTtl).to.be.within(1, config.auth.accessTtlSeconds);
    expect(sidTtl).to.be.within(1, config.auth.accessTtlSeconds);
  });

  it('logs out every session of the user with ?all=true', async () => {
    const user = await createUser();
    const a = await login(user);
    const b = await login(user);
    await request(app()).post('/api/v2/auth/logout?all=true').set(auth(a)).expect(204);
    expect(await sessionStatus(a)).to.equal(401);
    expect(await sessionStatus(b)).to.equal(401);
    await refresh(b.refresh_token).expect(401);
  });

  it('refuses a logout with body fields, naming them, and the session stays signed in', async () => {
    const user = await createUser();
    const a = await login(user);
    const res = await request(app()).post('/api/v2/auth/logout').set(auth(a)).send({ all: true }).expect(400);
    expect((res.body.error.details as { field: string }[]).map((d) => d.field)).to.deep.equal(['all']);
    expect(await sessionStatus(a)).to.equal(200);
  });

  it('needs an access token to log out', async () => {
    await request(app()).post('/api/v2/auth/logout').expect(401);
  });
});
