import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { isolatedApp } from '../support/deps';
import { TEST_ENV } from '../support/env';
import { createUser, TEST_PASSWORD } from '../support/factories';
import { auth, login, type Tokens } from '../support/auth';
import type { User } from '../../common/models';

const prefix = (tag: string) => `${TEST_ENV.REDIS_PREFIX}${tag}-${crypto.randomBytes(3).toString('hex')}:`;
const ghost = () => `ghost.${crypto.randomBytes(4).toString('hex')}@sekolah.test`;
const attempt = (target: ReturnType<typeof isolatedApp>['app'], email: string, ip?: string) => {
  const req = request(target).post('/api/v2/auth/login');
  if (ip) req.set('X-Forwarded-For', ip);
  return req.send({ email, password: 'wrong-password' });
};

describe('auth: rate limits', () => {
  it('limits logins to 5 a minute per IP across two API instances, then answers 429 with Retry-After', async () => {
    // two web dynos sharing one Redis: each counts into the same keys
    const shared = { AUTH_RATE_LIMIT_MAX: '5', REDIS_PREFIX: prefix('login-ip') };
    const first = isolatedApp(shared).app;
    const second = isolatedApp(shared).app;
    const statuses: number[] = [];
    for (const target of [first, second, first, second, first]) statuses.push((await attempt(target, ghost())).status);
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401]);
    const limited = await attempt(second, ghost()).expect(429);
    expect(limited.body.error.code).to.equal('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).to.be.within(1, 60);
  });

  it('counts a client that invents X-Forwarded-For addresses as one IP when the request does not come from a listed proxy', async () => {
    // the test client connects from 127.0.0.1, which is not in the list of trusted proxies
    const target = isolatedApp({ AUTH_RATE_LIMIT_MAX: '3', TRUST_PROXY: '10.0.0.0/8', REDIS_PREFIX: prefix('xff') }).app;
    for (let i = 0; i < 3; i++) await attempt(target, ghost(), `203.0.113.${i + 1}`).expect(401);
    await attempt(target, ghost(), '203.0.113.99').expect(429);
  });

  it('counts each client address a listed proxy forwards separately', async () => {
    const target = isolatedApp({ AUTH_RATE_LIMIT_MAX: '3', TRUST_PROXY: 'loopback', REDIS_PREFIX: prefix('xff-trusted') }).app;
    for (let i = 0; i < 3; i++) await attempt(target, ghost(), '203.0.113.7').expect(401);
    await attempt(target, ghost(), '203.0.113.7').expect(429);
    await attempt(target, ghost(), '203.0.113.8').expect(401);
  });

  it('limits logins to 5 per 15 minutes per account, whatever IP they come from', async () => {
    const shared = { AUTH_EMAIL_RATE_LIMIT_MAX: '5', TRUST_PROXY: '1', REDIS_PREFIX: prefix('login-email') };
    const first = isolatedApp(shared).app;
    const second = isolatedApp(shared).app;
    const email = ghost();
    for (let i = 0; i < 5; i++) await attempt(i % 2 ? second : first, email.toUpperCase(), `10.0.0.${i + 1}`).expect(401);
    const limited = await attempt(first, email, '10.0.1.1').expect(429);
    expect(Number(limited.headers['retry-after'])).to.be.within(1, 15 * 60);
    // another account from the same IP is not held back
    await attempt(first, ghost(), '10.0.1.1').expect(401);
  });

  for (const [route, body] of [
    ['/api/v2/auth/register', { name: 'X', email: 'not-an-email', password: 'x' }],
    ['/api/v2/auth/password/forgot', { email: 'nobody@sekolah.test' }],
    ['/api/v2/auth/verify-email/resend', { email: 'nobody@sekolah.test' }],
  ] as const) {
    it(`limits ${route} to 5 a minute per IP across two API instances`, async () => {
      const shared = { AUTH_RATE_LIMIT_MAX: '5', REDIS_PREFIX: prefix('per-ip') };
      const instances = [isolatedApp(shared).app, isolatedApp(shared).app];
      for (let i = 0; i < 5; i++)
        expect(
          (
            await request(instances[i % 2]!)
              .post(route)
              .send(body)
          ).status,
        ).to.not.equal(429);
      const limited = await request(instances[1]!).post(route).send(body).expect(429);
      expect(limited.body.error.code).to.equal('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).to.be.within(1, 60);
    });
  }

  it('limits password changes to 5 per 15 minutes per signed-in user, so a stolen token cannot guess the password', async () => {
    const { app } = isolatedApp({ AUTH_EMAIL_RATE_LIMIT_MAX: '5', REDIS_PREFIX: prefix('change') });
    const [user, other] = [await createUser(), await createUser()];
    const sessions = new Map<User, Tokens>([
      [user, await login(user, TEST_PASSWORD, app)],
      [other, await login(other, TEST_PASSWORD, app)],
    ]);
    const change = (who: User, currentPassword: string) =>
      request(app)
        .post('/api/v2/auth/password/change')
        .set(auth(sessions.get(who)!))
        .send({ currentPassword, newPassword: 'a-brand-new-password' });
    for (let i = 0; i < 5; i++) expect((await change(user, `guess-${i}`)).status).to.equal(422);
    const limited = await change(user, TEST_PASSWORD);
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers['retry-after'])).to.be.within(1, 15 * 60);
    // another user is not held back
    expect((await change(other, 'wrong-guess')).status).to.equal(422);
  });

  it('can be relaxed by configuration, as the test suite does', async () => {
    const { app } = isolatedApp({ AUTH_RATE_LIMIT_MAX: '20', REDIS_PREFIX: prefix('relaxed') });
    for (let i = 0; i < 10; i++) await attempt(app, ghost()).expect(401);
  });
});
