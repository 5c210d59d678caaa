import { expect } from 'chai';
import request from 'supertest';
import type { Redis } from 'ioredis';
import { app, apiDeps, isolatedApp } from '../support/deps';
import { bearer, createUser } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { redisCommandsDuring, redisWritesDuring } from '../support/redis-watch';
import { User } from '../../common/models';

/**
 * Runs `work` and returns every SQL statement issued meanwhile. Watches the app's own Sequelize and
 * the one the models are bound to (the last deps made in this process bind them), so no path is missed.
 */
async function sqlDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const instances = [...new Set([apiDeps().sequelize, User.sequelize!])];
  const hook = (options: { sql?: string } | undefined) => void seen.push(String(options?.sql ?? '?'));
  for (const s of instances) s.addHook('beforeQuery', 'spy', hook as never);
  try {
    await work();
  } finally {
    for (const s of instances) s.removeHook('beforeQuery', 'spy');
  }
  return seen;
}

/** Every Redis command touching the auth deny list while `work` runs (MONITOR; `lua:` = run by a script). */
const denyListCommandsDuring = (work: () => Promise<unknown>, redis?: Redis) =>
  redisCommandsDuring(`${TEST_ENV.REDIS_PREFIX}auth:deny:`, work, redis);

describe('GET /auth/session, the hottest route', () => {
  it('answers without a single database query', async () => {
    const user = await createUser();
    const headers = bearer(user);
    const sql = await sqlDuring(() => request(app()).get('/api/v2/auth/session').set(headers).expect(200));
    expect(sql).to.deep.equal([]);
  });

  it("reads the deny list (the token and its session and user in one MGET) inside the rate limiter's count: one Redis command", async () => {
    const user = await createUser();
    const headers = bearer(user);
    // the first request loads the limiter's script; the one measured only runs it
    await request(app()).get('/api/v2/auth/session').set(headers).expect(200);
    const commands = await denyListCommandsDuring(() => request(app()).get('/api/v2/auth/session').set(headers).expect(200));
    expect(commands).to.have.length(2);
    expect(commands[0]).to.match(/^evalsha /i);
    expect(commands[1]).to.match(/^lua:mget /i);
  });

  it('sends one Redis command for the count and the deny list, in one write', async () => {
    const user = await createUser();
    const headers = bearer(user);
    await request(app()).get('/api/v2/auth/session').set(headers).expect(200);
    const writes = await redisWritesDuring(() => request(app()).get('/api/v2/auth/session').set(headers).expect(200));
    expect(writes).to.have.length(1);
    expect(writes[0])
      .to.match(/EVALSHA/i)
      .and.to.contain(`${TEST_ENV.REDIS_PREFIX}auth:deny:`);
  });

  it('reads the deny list with its own MGET when rate limiting is off', async () => {
    const { app: unlimited, deps } = isolatedApp({ RATE_LIMIT_ENABLED: 'false' });
    const user = await createUser();
    const commands = await denyListCommandsDuring(() => request(unlimited).get('/api/v2/auth/session').set(bearer(user)).expect(200), deps.redis);
    expect(commands).to.have.length(1);
    expect(commands[0]).to.match(/^mget /i);
  });

  it('refuses a revoked token whose deny-list entry was read inside the count', async () => {
    const user = await createUser();
    const headers = bearer(user);
    await request(app()).post('/api/v2/auth/logout').set(headers).expect(204);
    await request(app()).get('/api/v2/auth/session').set(headers).expect(401);
  });

  it('is watched by the spy: a route that does read the database shows up (the control case)', async () => {
    const user = await createUser();
    const headers = bearer(user);
    const sql = await sqlDuring(() => request(app()).get('/api/v2/student/profile').set(headers).expect(200));
    expect(sql.length).to.be.greaterThan(0);
  });
});
