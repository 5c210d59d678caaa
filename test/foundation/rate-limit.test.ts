import request from 'supertest';
import { expect } from 'chai';
import { isolatedApp } from '../support/deps';
import { TEST_ENV } from '../support/env';

describe('global rate limit', () => {
  it('holds across two API instances that share Redis, answering 429 with Retry-After', async () => {
    // both instances count in the same Redis keys, as two web dynos would
    const shared = { RATE_LIMIT_MAX: '3', REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}rl-shared:` };
    const first = isolatedApp(shared).app;
    const second = isolatedApp(shared).app;
    await request(first).get('/api/v2/openapi.json').expect(200);
    await request(second).get('/api/v2/openapi.json').expect(200);
    await request(first).get('/api/v2/openapi.json').expect(200);
    const limited = await request(second).get('/api/v2/openapi.json').expect(429);
    expect(limited.body.error.code).to.equal('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).to.be.within(1, 60);
  });

  it('never limits the health and readiness probes', async () => {
    const { app } = isolatedApp({ RATE_LIMIT_MAX: '1', REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}rl-probes:` });
    for (let i = 0; i < 3; i++) await request(app).get('/health').expect(200);
  });
});
