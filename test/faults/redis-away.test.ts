import request from 'supertest';
import { expect } from 'chai';
import { isolatedApp } from '../support/deps';
import { createSchool, bearer } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { FAIL_FAST_BOUND_MS, startOwnRedis, type OwnRedis } from '../support/services';
import { captureLog, type CapturedLog } from '../support/log-capture';
import { waitForRedis } from '../../common/redis';
import { until } from '../support/until';
import type { GemaApp } from '../../api/app';
import type { ApiDeps } from '../../api/deps';

const SQL_AND_REDIS_ROUTES = ['/api/v2/auth/session', '/api/v2/tutorial/assignments', '/api/v2/coding-lab/tasks'];

describe('faults: Redis goes away under a running API', function () {
  this.timeout(60_000);
  let redis: OwnRedis;
  let log: CapturedLog;
  let app: GemaApp;
  let deps: ApiDeps;
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async () => {
    school = await createSchool();
    redis = await startOwnRedis();
    log = captureLog('api');
    ({ app, deps } = isolatedApp({ REDIS_URL: redis.url, REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}faults-redis:` }, log.logger));
    await waitForRedis(deps.redis);
  });
  after(async () => {
    await redis?.close();
  });

  it('answers the routes normally while Redis is up', async () => {
    for (const route of SQL_AND_REDIS_ROUTES) await request(app).get(route).set(bearer(school.student)).expect(200);
  });

  describe('while Redis is away', () => {
    before(async () => {
      await redis.stop();
      await until(() => deps.redis.status !== 'ready');
    });

    for (const route of SQL_AND_REDIS_ROUTES) {
      it(`answers GET ${route} 503 SERVICE_UNAVAILABLE with Retry-After, without waiting for Redis`, async () => {
        const res = await request(app).get(route).set(bearer(school.student)).timeout(FAIL_FAST_BOUND_MS);
        expect(res.status).to.equal(503);
        expect(res.body.error.code).to.equal('SERVICE_UNAVAILABLE');
        expect(Number(res.headers['retry-after'])).to.be.at.least(1);
      });
    }

    it('refuses an anonymous login with 503 too: the rate limits cannot count, so they do not let it through', async () => {
      const res = await request(app)
        .post('/api/v2/auth/login')
        .send({ email: school.student.email, password: 'whatever it is' })
        .timeout(FAIL_FAST_BOUND_MS);
      expect(res.status).to.equal(503);
      expect(res.headers['retry-after']).to.be.a('string');
    });

    it('keeps answering the liveness probe, and the readiness probe names Redis', async () => {
      await request(app).get('/health').expect(200);
      const ready = await request(app).get('/ready').expect(503);
      expect(JSON.stringify(ready.body)).to.include('redis');
    });

    it('logs the outage once, not once per refused request', async () => {
      for (let i = 0; i < 5; i++) await request(app).get('/api/v2/auth/session').set(bearer(school.student)).expect(503);
      expect(log.count('redis unavailable: requests that need it answer 503 until it is back')).to.equal(1);
    });
  });

  describe('when Redis returns', () => {
    before(async () => {
      await redis.start();
    });

    it('serves every route again by itself, without a restart', async () => {
      await until(async () => (await request(app).get('/api/v2/auth/session').set(bearer(school.student))).status === 200);
      for (const route of SQL_AND_REDIS_ROUTES) await request(app).get(route).set(bearer(school.student)).expect(200);
    });

    it('logs the recovery once', async () => {
      await until(() => log.count('redis available again') === 1);
      expect(log.count('redis unavailable: requests that need it answer 503 until it is back')).to.equal(1);
    });
  });
});

describe('faults: Redis stops answering (a hung host) under a running API', function () {
  this.timeout(60_000);
  let redis: OwnRedis;
  let app: GemaApp;
  let deps: ApiDeps;
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async () => {
    school = await createSchool();
    redis = await startOwnRedis();
    ({ app, deps } = isolatedApp({ REDIS_URL: redis.url, REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}faults-hung:`, REDIS_COMMAND_TIMEOUT_MS: '200' }));
    await waitForRedis(deps.redis);
    await request(app).get('/api/v2/auth/session').set(bearer(school.student)).expect(200);
  });
  after(async () => {
    await redis?.close();
  });

  it('answers 503 with Retry-After once REDIS_COMMAND_TIMEOUT_MS has passed, though the connection stays open', async () => {
    redis.pause();
    try {
      const res = await request(app).get('/api/v2/auth/session').set(bearer(school.student)).timeout(FAIL_FAST_BOUND_MS);
      expect(res.status).to.equal(503);
      expect(res.headers['retry-after']).to.be.a('string');
    } finally {
      redis.resume();
    }
  });

  it('serves again once Redis answers', async () => {
    await until(async () => (await request(app).get('/api/v2/auth/session').set(bearer(school.student))).status === 200);
  });
});
