import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { app, apiDeps } from '../support/deps';
import { createUser } from '../support/factories';
import { login, refresh } from '../support/auth';
import type { User } from '../../common/models';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Claims that would pass every check if the token were signed properly. */
function claimsFor(user: User, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: user.id,
    role: 'admin',
    email: user.email,
    name: user.name,
    jti: crypto.randomUUID(),
    sid: crypto.randomUUID(),
    iat: now,
    exp: now + 600,
    iss: 'gema-api',
    aud: 'gema',
    ...overrides,
  };
}

const sign = (claims: object, key: crypto.KeyObject | string = apiDeps().tokens.key) =>
  jwt.sign(claims, key as crypto.KeyObject, { algorithm: 'HS256' });

async function expectRejected(token: string) {
  const res = await request(app()).get('/api/v2/auth/session').set('Authorization', `Bearer ${token}`).expect(401);
  expect(res.body.error.code).to.equal('UNAUTHENTICATED');
}

describe('auth: tampered and misused tokens all get 401', () => {
  let user: User;
  before(async () => {
    user = await createUser();
  });

  it('accepts a well-formed token signed with the real key (the control case)', async () => {
    await request(app())
      .get('/api/v2/auth/session')
      .set('Authorization', `Bearer ${sign(claimsFor(user))}`)
      .expect(200);
  });

  it('refuses an unsigned token with alg "none"', async () => {
    await expectRejected(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsFor(user))}.`);
  });

  it('refuses a token signed with another secret', async () => {
    await expectRejected(sign(claimsFor(user), crypto.randomBytes(32).toString('hex')));
  });

  it('refuses a token signed for another audience', async () => {
    await expectRejected(sign(claimsFor(user, { aud: 'someone-else' })));
  });

  it('refuses a token from another issuer', async () => {
    await expectRejected(sign(claimsFor(user, { iss: 'evil' })));
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    await expectRejected(sign(claimsFor(user, { iat: past - 900, exp: past })));
  });

  it('refuses a genuine token whose payload was edited to raise the role', async () => {
    const tokens = await login(user);
    const [header, payload, signature] = tokens.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    await expectRejected(`${header}.${b64({ ...claims, role: 'admin' })}.${signature}`);
  });

  it('refuses a token signed with HS512 under the real key (the algorithm is pinned)', async () => {
    await expectRejected(jwt.sign(claimsFor(user), apiDeps().tokens.key, { algorithm: 'HS512' }));
  });

  it('refuses a refresh token presented as an access token', async () => {
    const tokens = await login(user);
    await expectRejected(tokens.refresh_token);
  });

  it('refuses an access token presented as a refresh token', async () => {
    const tokens = await login(user);
    const res = await refresh(tokens.access_token).expect(401);
    expect(res.body.error.code).to.equal('INVALID_REFRESH_TOKEN');
  });
});
