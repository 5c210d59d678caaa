import { expect } from 'chai';
import { Redis } from 'ioredis';
import { StreamLog, parseStreamId, streamIdAfter, type StreamMessage } from '../../common/realtime/stream-log';
import { TEST_ENV } from '../support/env';

describe('per-user stream logs', () => {
  let redis: Redis;
  let subscriber: Redis;
  const prefix = `${TEST_ENV.REDIS_PREFIX}streamlog:`;

  before(() => {
    redis = new Redis(TEST_ENV.REDIS_URL!);
    subscriber = new Redis(TEST_ENV.REDIS_URL!);
  });
  after(async () => {
    await Promise.all([redis.quit(), subscriber.quit()]);
  });

  /** The next message announced on the log's channel while `act` runs. */
  async function announced(log: StreamLog, act: () => Promise<void>): Promise<StreamMessage> {
    await subscriber.subscribe(log.channel);
    try {
      const heard = new Promise<StreamMessage>((resolve) =>
        subscriber.once('message', (_channel: string, raw: string) => resolve(JSON.parse(raw) as StreamMessage)),
      );
      await act();
      return await heard;
    } finally {
      await subscriber.unsubscribe(log.channel);
    }
  }

  it('reads only ids of the form <ms>-<seq> as stream ids', () => {
    expect(parseStreamId('1733400000000-3')).to.deep.equal([1733400000000, 3]);
    expect(parseStreamId('1733400000000')).to.equal(null);
    expect(parseStreamId('abc-1')).to.equal(null);
    expect(parseStreamId(17)).to.equal(null);
  });

  it('orders stream ids by time, then by sequence', () => {
    expect(streamIdAfter('2-0', '1-9')).to.equal(true);
    expect(streamIdAfter('1-2', '1-1')).to.equal(true);
    expect(streamIdAfter('1-1', '1-1')).to.equal(false);
    expect(streamIdAfter('1-0', '2-0')).to.equal(false);
  });

  it('treats an id it cannot read as newer, so an entry is never held back', () => {
    expect(streamIdAfter('garbage', '1-0')).to.equal(true);
    expect(streamIdAfter('1-0', 'garbage')).to.equal(true);
  });

  it('writes and announces nothing for no users', async () => {
    const log = new StreamLog(redis, `${prefix}none:`);
    await log.append('chat', [], 'message', { a: 1 });
    expect(await redis.keys(`${prefix}none:*`)).to.deep.equal([]);
  });

  it('gives a user their own payload when one is given, and everyone else the shared one', async () => {
    const log = new StreamLog(redis, `${prefix}own:`);
    const message = await announced(log, () =>
      log.append('notifications', ['u1', 'u2'], 'notification', { shared: true }, new Map([['u2', { mine: 2 }]])),
    );
    expect(message.targets).to.have.length(2);
    expect(message.targets[0]).to.have.length(2);
    expect(message.targets[1]![2]).to.equal('{"mine":2}');
    const [u1] = await log.after('notifications', 'u1', '0-0');
    const [u2] = await log.after('notifications', 'u2', '0-0');
    expect(u1!.data).to.equal('{"shared":true}');
    expect(u2!.data).to.equal('{"mine":2}');
  });

  it('announces only the users whose entry was written when one write fails', async () => {
    const log = new StreamLog(redis, `${prefix}fail:`);
    // a string under a user's key makes XADD fail with WRONGTYPE for that user alone
    await redis.set(log.key('chat', 'broken'), 'not a stream');
    const message = await announced(log, () => log.append('chat', ['broken', 'fine'], 'message', { x: 1 }));
    expect(message.targets.map((t) => t[0])).to.deep.equal(['fine']);
  });

  it('replays nothing after an id it did not make', async () => {
    const log = new StreamLog(redis, `${prefix}bad:`);
    await log.append('chat', ['u1'], 'message', { x: 1 });
    expect(await log.after('chat', 'u1', 'not-an-id')).to.deep.equal([]);
  });

  it('replays an entry missing its fields as a plain message with an empty object', async () => {
    const log = new StreamLog(redis, `${prefix}odd:`);
    await redis.xadd(log.key('chat', 'u1'), '*', 'other', 'field');
    const [entry] = await log.after('chat', 'u1', '0-0');
    expect(entry).to.include({ event: 'message', data: '{}' });
  });

  it('replays at most the number of entries asked for, oldest first', async () => {
    const log = new StreamLog(redis, `${prefix}limit:`);
    for (let i = 0; i < 3; i++) await log.append('chat', ['u1'], 'message', { i });
    const entries = await log.after('chat', 'u1', '0-0', 2);
    expect(entries.map((e) => e.data)).to.deep.equal(['{"i":0}', '{"i":1}']);
  });
});
