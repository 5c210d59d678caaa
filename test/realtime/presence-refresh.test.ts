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

  it('renews every held socket when it holds more sockets than one command carries', async () => {
    const { presence, users } = await lapsedPresence(10, 4);
    await presence.refresh();
    const online = await onlineAmong(redis, prefix, users);
    expect(online.size).to.equal(10);
  });

  it('sends a batch of sockets per command and sends the next only once the previous has answered', async () => {
    const { presence } = await lapsedPresence(10, 4);
    const sent: Array<{ keys: number; previousAnswered: boolean }> = [];
    let answered = true;
    const evaluate = redis.eval.bind(redis);
    redis.eval = ((...args: Parameters<Redis['eval']>) => {
      sent.push({ keys: Number(args[1]), previousAnswered: answered });
      answered = false;
      return (evaluate(...args) as Promise<unknown>).finally(() => (answered = true));
    }) as Redis['eval'];
    try {
      await presence.refresh();
    } finally {
      redis.eval = evaluate;
    }
    // one script call of 4 + 4 + 2 sockets
    expect(sent.map((b) => b.keys)).to.deep.equal([4, 4, 2]);
    expect(sent.every((b) => b.previousAnswered)).to.equal(true);
  });

  it('renews both the score and the TTL of each socket it refreshes', async () => {
    const { presence, users } = await lapsedPresence(3, 2);
    const key = socketPresenceKey(prefix, users[0]!);
    await redis.persist(key);
    await presence.refresh();
    expect(Number(await redis.zscore(key, 's0'))).to.be.greaterThan(Date.now());
    expect(await redis.pttl(key)).to.be.within(1, 90_000);
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
