import request from 'supertest';
import { expect } from 'chai';
import { isolatedApp } from '../support/deps';
import { createSchool, bearer } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { startMigratedPostgres } from '../support/own-database';
import { captureLog, type CapturedLog } from '../support/log-capture';
import { until } from '../support/until';
import type { GemaApp } from '../../api/app';
import type { ApiDeps } from '../../api/deps';
import { FAIL_FAST_BOUND_MS } from '../support/services';

const SQL_ROUTES = ['/api/v2/tutorial/assignments', '/api/v2/coding-lab/tasks'];

describe('faults: PostgreSQL goes away under a running API', function () {
  this.timeout(90_000);
  let own: Awaited<ReturnType<typeof startMigratedPostgres>>;
  let log: CapturedLog;
  let app: GemaApp;
  let deps: ApiDeps;
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async function () {
    this.timeout(120_000);
    own = await startMigratedPostgres();
    log = captureLog('api');
    ({ app, deps } = isolatedApp({ DATABASE_URL: own.url, REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}faults-pg:` }, log.logger));
    school = await createSchool();
  });
  after(async () => {
    await own?.release();
  });

  it('answers the routes normally while PostgreSQL is up', async () => {
    for (const route of SQL_ROUTES) await request(app).get(route).set(bearer(school.student)).expect(200);
  });

  describe('while PostgreSQL is away', () => {
    before(async () => {
      await own.pg.stop();
    });

    for (const route of SQL_ROUTES) {
      it(`answers GET ${route} 503 SERVICE_UNAVAILABLE with Retry-After`, async () => {
        const res = await request(app).get(route).set(bearer(school.student)).timeout(FAIL_FAST_BOUND_MS);
        expect(res.status).to.equal(503);
        expect(res.body.error.code).to.equal('SERVICE_UNAVAILABLE');
        expect(Number(res.headers['retry-after'])).to.be.at.least(1);
      });
    }

    it('keeps answering GET /auth/session, which needs no SQL', async () => {
      const res = await request(app).get('/api/v2/auth/session').set(bearer(school.student)).expect(200);
      expect(res.body.data.id ?? res.body.data.user?.id).to.equal(school.student.id);
    });

    it('says so on the readiness probe', async () => {
      const ready = await request(app).get('/ready').expect(503);
      expect(JSON.stringify(ready.body)).to.include('postgres');
    });

    it('logs the outage once, not once per refused request', async () => {
      for (let i = 0; i < 5; i++) await request(app).get(SQL_ROUTES[0]!).set(bearer(school.student)).expect(503);
      expect(log.count('postgres unavailable: requests that need it answer 503 until it is back')).to.equal(1);
      expect(log.count('unhandled error')).to.equal(0);
    });
  });

  describe('when PostgreSQL returns', () => {
    before(async () => {
      await own.pg.start();
    });

    it('serves the routes again by itself, without a restart', async () => {
      await until(async () => (await request(app).get(SQL_ROUTES[0]!).set(bearer(school.student))).status === 200);
      for (const route of SQL_ROUTES) await request(app).get(route).set(bearer(school.student)).expect(200);
    });

    it('logs the recovery once', async () => {
      await until(() => log.count('postgres available again') === 1);
    });

    it('never took PostgreSQL being away for Redis being away', () => {
      expect(deps.health.away()).to.deep.equal([]);
      expect(log.count('redis unavailable: requests that need it answer 503 until it is back')).to.equal(0);
    });
  });
});
