import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisConnection } from '../../common/runtime/redis-connection';
import { liveReports } from '../../common/grading/sandbox-reports';
import { TEST_ENV } from '../support/env';

/** The bare connection `npm start`'s supervisor uses instead of ioredis (scripts/start.ts). */
describe('the supervisor’s bare Redis connection', () => {
  const base = new URL(TEST_ENV.REDIS_URL!);
  const key = `${TEST_ENV.REDIS_PREFIX}bare-connection`;
  const urlOfDb = (db: number) => Object.assign(new URL(base), { pathname: `/${db}` }).toString();
  let redis: Redis;

  before(() => (redis = new Redis(urlOfDb(5))));
  afterEach(() => redis.del(key, `${TEST_ENV.REDIS_PREFIX}sandbox:reports`));
  after(() => redis.quit());

  it('reads a hash of the database the URL names, bulk strings with CRLF and multibyte text intact', async () => {
    await redis.hset(key, { a: 'line\r\nnext', b: 'ünïcödé ✓', c: '' });
    const connection = await RedisConnection.open(urlOfDb(5));
    try {
      expect(await connection.hgetall(key)).to.deep.equal({ a: 'line\r\nnext', b: 'ünïcödé ✓', c: '' });
      expect(await connection.hgetall(`${key}:missing`)).to.deep.equal({});
      expect(await connection.hdel(key, 'a', 'b')).to.equal(2);
    } finally {
      connection.close();
    }
  });

  it('rejects with the error Redis answers', async () => {
    const connection = await RedisConnection.open(urlOfDb(5));
    try {
      await redis.set(key, 'a string');
      const err = await connection.hgetall(key).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/^WRONGTYPE /);
      expect(await connection.call('PING')).to.equal('PONG');
    } finally {
      connection.close();
    }
  });

  it('fails to open with the socket’s error when nothing listens', async () => {
    const err = await RedisConnection.open('redis://127.0.0.1:1/0').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('connect ECONNREFUSED 127.0.0.1:1');
  });

  it('fails to open with Redis’s answer to a password it does not take', async () => {
    const withPassword = Object.assign(new URL(base), { password: 'not-the-password' }).toString();
    const err = await RedisConnection.open(withPassword).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/^(ERR|WRONGPASS) /);
  });

  it('reads the workers’ sandbox reports as ioredis does', async () => {
    const report = { workerId: 'w1', hostname: 'h', pid: 1, checkedAt: new Date().toISOString(), isolation: { level: 'none' }, languages: [] };
    await redis.hset(`${TEST_ENV.REDIS_PREFIX}sandbox:reports`, 'w1', JSON.stringify({ expiresAt: Date.now() + 60_000, report }));
    const connection = await RedisConnection.open(urlOfDb(5));
    try {
      expect(await liveReports(connection, TEST_ENV.REDIS_PREFIX!)).to.deep.equal(await liveReports(redis, TEST_ENV.REDIS_PREFIX!));
      expect(await liveReports(connection, TEST_ENV.REDIS_PREFIX!)).to.have.length(1);
    } finally {
      connection.close();
    }
  });
});
