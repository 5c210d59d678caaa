import net from 'node:net';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisConnection } from '../../common/runtime/redis-connection';
import { TEST_ENV } from '../support/env';

/**
 * A stand-in server for what the real Redis will not do on request: answer in pieces, answer
 * garbage, fall silent or hang up mid-request. Each command gets the next scripted reply; a reply
 * given as several pieces is written as separate TCP segments.
 */
type Reply = string | string[] | 'hang-up' | 'silence';

async function scriptedServer(replies: Reply[]): Promise<{ url: string; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('data', async (chunk) => {
      received.push(chunk.toString('utf8'));
      const reply = replies.shift() ?? 'silence';
      if (reply === 'hang-up') return void socket.destroy();
      if (reply === 'silence') return;
      for (const piece of Array.isArray(reply) ? reply : [reply]) {
        socket.write(piece);
        await new Promise((r) => setTimeout(r, 30));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}/0`,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error) => e,
  );

describe('the supervisor’s bare Redis connection, at its edges', () => {
  const base = new URL(TEST_ENV.REDIS_URL!);
  const key = `${TEST_ENV.REDIS_PREFIX}bare-connection-edges`;
  let redis: Redis;

  before(() => (redis = new Redis(TEST_ENV.REDIS_URL!)));
  afterEach(() => redis.del(key, `${key}:2`));
  after(() => redis.quit());

  it('answers a missing string with null', async () => {
    const connection = await RedisConnection.open(TEST_ENV.REDIS_URL!);
    try {
      expect(await connection.call('GET', `${key}:missing`)).to.equal(null);
    } finally {
      connection.close();
    }
  });

  it('stays in step after a transaction whose first command failed', async () => {
    await redis.set(key, 'not a number');
    const connection = await RedisConnection.open(TEST_ENV.REDIS_URL!);
    try {
      await connection.call('MULTI');
      await connection.call('INCR', key);
      await connection.call('SET', `${key}:2`, 'v');
      // sent together, as the supervisor may: the EXEC reply's later items must not answer PING
      const [err, pong] = await Promise.all([failureOf(connection.call('EXEC')), connection.call('PING')]);
      expect(err?.message).to.match(/not an integer/);
      expect(pong).to.equal('PONG');
      expect(await connection.call('GET', `${key}:2`)).to.equal('v');
    } finally {
      connection.close();
    }
  });

  it('uses port 6379 when the URL names none', async function () {
    if (base.port && base.port !== '6379') this.skip();
    const connection = await RedisConnection.open(`redis://${base.hostname}/0`);
    try {
      expect(await connection.call('PING')).to.equal('PONG');
    } finally {
      connection.close();
    }
  });

  it('sends the URL’s user name with its password', async () => {
    const withUser = Object.assign(new URL(base), { username: 'nobody-here', password: 'not-the-password' }).toString();
    const err = await failureOf(RedisConnection.open(withUser));
    expect(err?.message).to.match(/^WRONGPASS /);
  });

  it('fails to open a rediss URL against a server that does not speak TLS, without naming an IP address as the TLS server name', async () => {
    const server = await scriptedServer(['-ERR not tls\r\n']);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const err = await failureOf(RedisConnection.open(server.url.replace('redis:', 'rediss:'), 500));
      expect(err).to.be.instanceOf(Error);
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.message).filter((m) => /ServerName/.test(m))).to.deep.equal([]);
    } finally {
      process.off('warning', onWarning);
      await server.close();
    }
  });

  it('reads replies that arrive in pieces', async () => {
    const server = await scriptedServer([
      ['+PO', 'NG\r\n'],
      ['$5\r\nhel', 'lo\r\n'],
      ['*2\r\n$1\r\na\r\n', '$1\r\nb\r\n'],
      ['*2\r\n$1\r\nk\r', '\n$1\r\nv\r\n'],
    ]);
    const connection = await RedisConnection.open(server.url);
    try {
      expect(await connection.call('GET', 'x')).to.equal('hello');
      expect(await connection.call('LRANGE', 'l', '0', '-1')).to.deep.equal(['a', 'b']);
      expect(await connection.hgetall('h')).to.deep.equal({ k: 'v' });
    } finally {
      connection.close();
      await server.close();
    }
  });

  it('answers a null array with null', async () => {
    const server = await scriptedServer(['+PONG\r\n', '*-1\r\n']);
    const connection = await RedisConnection.open(server.url);
    try {
      expect(await connection.call('BLPOP', 'l', '1')).to.equal(null);
    } finally {
      connection.close();
      await server.close();
    }
  });

  it('selects the URL’s database only when it names one other than 0', async () => {
    const server = await scriptedServer(['+OK\r\n', '+PONG\r\n']);
    const connection = await RedisConnection.open(server.url.replace(/\/0$/, '/3'));
    try {
      expect(server.received[0]).to.equal('*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n');
      expect(server.received[1]).to.equal('*1\r\n$4\r\nPING\r\n');
    } finally {
      connection.close();
      await server.close();
    }
  });

  it('fails to open when the server answers something that is not Redis', async () => {
    const server = await scriptedServer(['HTTP/1.1 400 Bad Request\r\n\r\n']);
    try {
      const err = await failureOf(RedisConnection.open(server.url));
      expect(err?.message).to.equal('unexpected reply from Redis: "HTTP/1.1 400 Bad Request"');
    } finally {
      await server.close();
    }
  });

  it('fails to open when the server accepts but never answers', async () => {
    const server = await scriptedServer(['silence']);
    try {
      const err = await failureOf(RedisConnection.open(server.url, 200));
      expect(err?.message).to.equal('no answer within 200 ms');
    } finally {
      await server.close();
    }
  });

  it('rejects the request in flight and every later one when the server hangs up', async () => {
    const server = await scriptedServer(['+PONG\r\n', 'hang-up']);
    const connection = await RedisConnection.open(server.url);
    try {
      const inFlight = await failureOf(connection.call('GET', 'x'));
      expect(inFlight?.message).to.equal('connection closed');
      const later = await failureOf(connection.call('PING'));
      expect(later).to.equal(inFlight);
    } finally {
      connection.close();
      await server.close();
    }
  });
});
