import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { app, isolatedApp } from '../support/deps';
import { TEST_ENV } from '../support/env';
import { bearer, createUser } from '../support/factories';
import { connectClient, startLiveServer } from '../support/realtime';

const prefix = (tag: string) => `${TEST_ENV.REDIS_PREFIX}${tag}-${crypto.randomBytes(3).toString('hex')}:`;
const nis = () => `7${crypto.randomInt(1e8, 1e9)}`;

describe('admin people: NIS sign-in limits and the socket', () => {
  it('limits logins to 5 per 15 minutes per NIS, whatever IP they come from', async () => {
    const shared = { AUTH_EMAIL_RATE_LIMIT_MAX: '5', TRUST_PROXY: '1', REDIS_PREFIX: prefix('login-nis') };
    const first = isolatedApp(shared).app;
    const second = isolatedApp(shared).app;
    const number = nis();
    const attempt = (target: typeof first, who: string, ip: string) =>
      request(target).post('/api/v2/auth/login').set('X-Forwarded-For', ip).send({ nis: who, password: 'wrong-password' });
    for (let i = 0; i < 5; i++) await attempt(i % 2 ? second : first, number, `10.0.2.${i + 1}`).expect(401);
    await attempt(first, number, '10.0.3.1').expect(429);
    // another NIS from the same IP is not held back
    await attempt(first, nis(), '10.0.3.1').expect(401);
  });

  it('refuses the Socket.IO handshake while the password must be changed', async () => {
    const admin = await createUser({ role: 'admin' });
    const number = nis();
    await request(app())
      .post('/api/v2/admin/students')
      .set(bearer(admin))
      .send({ name: 'Sock', nis: number, password: 'first-password' })
      .expect(201);
    const tokens = (await request(app()).post('/api/v2/auth/login').send({ nis: number, password: 'first-password' }).expect(200)).body;
    const live = await startLiveServer();
    try {
      const refused = await connectClient(live.url, tokens.access_token).then(
        (s) => {
          s.close();
          return null;
        },
        (err: Error) => err,
      );
      // the handshake tells no reason, as for any token it refuses
      expect(refused?.message).to.equal('UNAUTHENTICATED');
    } finally {
      await live.close();
    }
  });
});
