import { expect } from 'chai';
import { Redis } from 'ioredis';
import { onlineAmong, socketPresenceKey, streamSlotsKey } from '../../common/realtime/presence';
import { TEST_ENV } from '../support/env';

describe('who is online', () => {
  let redis: Redis;
  const prefix = `${TEST_ENV.REDIS_PREFIX}presence-spec:`;

  before(() => {
    redis = new Redis(TEST_ENV.REDIS_URL!);
  });
  after(async () => {
    await redis.quit();
  });

  it('answers no one for no users, without asking Redis', async () => {
    const online = await onlineAmong(redis, prefix, []);
    expect([...online]).to.deep.equal([]);
  });

  it('counts a user with a live stream or a live socket, and not one whose entries have lapsed', async () => {
    const now = Date.now();
    await redis.zadd(streamSlotsKey(prefix, 'streamer'), now + 60_000, 'c1');
    await redis.zadd(socketPresenceKey(prefix, 'socketed'), now + 60_000, 's1');
    await redis.zadd(socketPresenceKey(prefix, 'lapsed'), now - 1, 's2');
    const online = await onlineAmong(redis, prefix, ['streamer', 'socketed', 'lapsed', 'never'], now);
    expect([...online].sort()).to.deep.equal(['socketed', 'streamer']);
  });

  it('counts a user whose presence key Redis cannot count as offline rather than failing everyone', async () => {
    const now = Date.now();
    await redis.set(streamSlotsKey(prefix, 'odd'), 'not a sorted set');
    await redis.zadd(socketPresenceKey(prefix, 'fine'), now + 60_000, 's1');
    const online = await onlineAmong(redis, prefix, ['odd', 'fine'], now);
    expect([...online]).to.deep.equal(['fine']);
  });
});
