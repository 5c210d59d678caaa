import crypto from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { SocketPresence } from '../../api/realtime/presence';
import { onlineAmong, socketPresenceKey } from '../../common/realtime/presence';
import { TEST_ENV } from '../support/env';

describe('socket presence refresh', () => {
  let redis: Redis;
  const prefix = `${TEST_ENV.REDIS_PREFIX}presence-refresh-spec:`;
  const presences: SocketPresence[] = [];

  /** A presence of `count` sockets, one user each, whose entries have all lapsed. */
  async function lapsedPresence(count: number, batch: number): Promise<{ presence: SocketPresence; users: string[] }> {
    const presence = new SocketPresence(redis, prefix, batch);
    presences.push(presence);
    const users = Array.from({ length: count }, () => crypto.randomUUID());
    users.forEach((user, i) => presence.add(`s${i}`, user));
    // one connection answers in order: the adds have landed once this has
    await redis.ping();
    await Promise.all(users.map((user, i) => redis.zadd(socketPresenceKey(prefix, user), Date.now() - 1, `s${i}`)));
    return { presence, users };
  }

  before(() => {
    redis = new Redis(TEST_ENV.REDIS_URL!);
  });
  after(async () => {
    await Promise.all(presences.map((p) => p.close()));
    await redis.quit();
  });

  it('renews every held socket when it holds more sockets than one pipeline carries', async () => {
    const { presence, users } = await lapsedPresence(10, 4);
    await presence.refresh();
    const online = await onlineAmong(redis, prefix, users);
    expect(online.size).to.equal(10);
  });

  it('sends a batch of sockets per pipeline and builds the next only once the previous has answered', async () => {
    const { presence } = await lapsedPresence(10, 4);
    const built: Array<{ commands: () => number; previousAnswered: boolean }> = [];
    let answered = true;
    const pipeline = redis.pipeline.bind(redis);
    redis.pipeline = ((...args: Parameters<Redis['pipeline']>) => {
      const p = pipeline(...args);
      built.push({ commands: () => p.length, previousAnswered: answered });
      const exec = p.exec.bind(p);
      p.exec = () => {
        answered = false;
        return exec().finally(() => (answered = true));
      };
      return p;
    }) as Redis['pipeline'];
    try {
      await presence.refresh();
    } finally {
      redis.pipeline = pipeline;
    }
    // two commands (ZADD, PEXPIRE) a socket: 4 + 4 + 2 sockets
    expect(built.map((b) => b.commands())).to.deep.equal([8, 8, 4]);
    expect(built.every((b) => b.previousAnswered)).to.equal(true);
  });

  it('does not renew a socket removed while a refresh is under way', async () => {
    const { presence, users } = await lapsedPresence(10, 4);
    const refreshed = presence.refresh();
    // s9 is in the last batch, built after two round trips
    presence.remove('s9');
    await refreshed;
    const online = await onlineAmong(redis, prefix, users);
    expect(online.size).to.equal(9);
    expect(online.has(users[9]!)).to.equal(false);
  });

  it('runs one refresh at a time: a call during one gets that one', async () => {
    const { presence } = await lapsedPresence(3, 2);
    const first = presence.refresh();
    expect(presence.refresh()).to.equal(first);
    await first;
  });
});
