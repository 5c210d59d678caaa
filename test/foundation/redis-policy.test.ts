import { expect } from 'chai';
import { isolatedApp, testWorkerDeps } from '../support/deps';
import { TEST_ENV } from '../support/env';
import { startOwnRedis, type OwnRedis } from '../support/services';
import { captureLog } from '../support/log-capture';
import { waitForCoreDeps } from '../../common/runtime';

const EVICTING = 'Redis maxmemory-policy is allkeys-lru: under memory pressure Redis may evict queued jobs; set it to noeviction';
const UNCHECKED = 'could not check the Redis maxmemory-policy (CONFIG GET refused); BullMQ needs noeviction, make sure it is set';

describe('start-up check of the Redis eviction policy', function () {
  this.timeout(30_000);
  const servers: OwnRedis[] = [];
  const env = (redis: OwnRedis) => ({ REDIS_URL: redis.url, REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}policy:` });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('warns at API start-up when Redis may evict keys (allkeys-lru)', async () => {
    const redis = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru']);
    servers.push(redis);
    const log = captureLog('api');
    await waitForCoreDeps(isolatedApp(env(redis), log.logger).deps);
    expect(log.count(EVICTING)).to.equal(1);
  });

  it('warns at worker start-up too', async () => {
    const redis = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru']);
    servers.push(redis);
    const log = captureLog('worker');
    await waitForCoreDeps(testWorkerDeps(env(redis), log.logger));
    expect(log.count(EVICTING)).to.equal(1);
  });

  it('says nothing when the policy is noeviction', async () => {
    const redis = await startOwnRedis(['--maxmemory-policy', 'noeviction']);
    servers.push(redis);
    const log = captureLog('api');
    await waitForCoreDeps(isolatedApp(env(redis), log.logger).deps);
    expect(log.lines.filter((l) => l.message.includes('maxmemory-policy'))).to.deep.equal([]);
  });

  it('says the policy could not be checked when CONFIG is refused, as on managed Redis', async () => {
    const redis = await startOwnRedis(['--rename-command', 'CONFIG', '""']);
    servers.push(redis);
    const log = captureLog('api');
    await waitForCoreDeps(isolatedApp(env(redis), log.logger).deps);
    expect(log.count(UNCHECKED)).to.equal(1);
  });
});
