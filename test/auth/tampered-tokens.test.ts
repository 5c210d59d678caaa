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
  jwt.sign(claims, key as crypto.KeyObject, { algorithm: 'HS256', noTimestamp: !('iat' in claims) });

/** HS256 by hand, for claims jsonwebtoken refuses to sign (a string `exp`). */
const signRaw = (claims: object) => {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${unsigned}.${crypto.createHmac('sha256', apiDeps().tokens.key).update(unsigned).digest('base64url')}`;
};

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

  // jsonwebtoken checks exp only when it is there: a signed token without one would never expire
  for (const claim of ['exp', 'iat', 'jti', 'sid', 'sub']) {
    it(`refuses a correctly signed token without \`${claim}\``, async () => {
      const claims: Record<string, unknown> = claimsFor(user);
      delete claims[claim];
      await expectRejected(sign(claims));
    });
  }

  it('refuses a correctly signed token whose exp is not a number', async () => {
    // the control: the same hand-made signature over valid claims is accepted
    await request(app())
      .get('/api/v2/auth/session')
      .set('Authorization', `Bearer ${signRaw(claimsFor(user))}`)
      .expect(200);
    await expectRejected(signRaw(claimsFor(user, { exp: `${Math.floor(Date.now() / 1000) + 600}` })));
  });

  it('refuses a correctly signed token with a role GEMA does not have', async () => {
    await expectRejected(sign(claimsFor(user, { role: 'root' })));
  });

  it('refuses a socket handshake with a correctly signed token without exp', async () => {
    const claims: Record<string, unknown> = claimsFor(user);
    delete claims.exp;
    const err = await apiDeps()
      .auth.authenticateToken(sign(claims))
      .catch((e: Error) => e);
    expect((err as Error & { code?: string }).code).to.equal('UNAUTHENTICATED');
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
