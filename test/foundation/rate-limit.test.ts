import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import request from 'supertest';
import { expect } from 'chai';
import { isolatedApp } from '../support/deps';
import { TEST_ENV } from '../support/env';
import type { Redis } from 'ioredis';
import { countHit } from '../../api/middleware/rate-limit';

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

describe('rate limit headers and counting', () => {
  it("counts a connection's requests by its address, and a forwarded one on the same connection by the forwarded address", async () => {
    // the key is kept per connection only for requests without X-Forwarded-For (api/middleware/rate-limit.ts)
    const { app } = isolatedApp({ RATE_LIMIT_MAX: '2', TRUST_PROXY: 'loopback', REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}rl-conn-${Date.now()}:` });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    const get = (headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const req = http.get(
          { agent, port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: '/api/v2/auth/session', headers },
          (res) => {
            ports.add(res.socket.localPort!);
            res.resume().on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
      });
    try {
      const statuses = [await get(), await get(), await get(), await get({ 'X-Forwarded-For': '203.0.113.7' }), await get()];
      expect(statuses).to.deep.equal([401, 401, 429, 401, 429]);
      expect(ports.size).to.equal(1);
    } finally {
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends the draft-7 RateLimit and RateLimit-Policy headers on every counted request', async () => {
    const { app } = isolatedApp({ RATE_LIMIT_MAX: '3', REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}rl-headers-${Date.now()}:` });
    const first = await request(app).get('/api/v2/openapi.json').expect(200);
    expect(first.headers['ratelimit-policy']).to.match(/^3;w=\d+$/);
    expect(first.headers['ratelimit']).to.match(/^limit=3, remaining=2, reset=\d+$/);
    const second = await request(app).get('/api/v2/openapi.json').expect(200);
    expect(second.headers['ratelimit']).to.match(/^limit=3, remaining=1, reset=\d+$/);
  });

  it('counts with the script itself when Redis has forgotten it (NOSCRIPT after a restart)', async () => {
    const calls: string[] = [];
    // the count goes to sendCommand itself (past auto-pipelining), the fallback through eval
    const redis = {
      options: {},
      sendCommand: (command: { name: string }) => {
        calls.push(command.name);
        return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
      },
      eval: (_script: string, _n: number, key: string, window: string) => {
        calls.push(`eval ${key} ${window}`);
        return Promise.resolve([1, 60_000]);
      },
    } as unknown as Redis;
    expect(await countHit(redis, 'k', 60_000)).to.deep.equal([1, 60_000]);
    expect(calls).to.deep.equal(['evalsha', 'eval k 60000']);
  });

  it('sends the counts of requests read in the same turn to Redis in one write', async () => {
    const { deps } = isolatedApp();
    await deps.redis.ping(); // connected: a client's socket exists once it has sent something
    // what the socket hands the system: one entry per write, with the commands it carries
    const socket = (deps.redis as unknown as { stream: Socket }).stream as unknown as {
      _write: (chunk: unknown, encoding: string, cb: () => void) => void;
      _writev: (chunks: unknown[], cb: () => void) => void;
    };
    const { _write: write, _writev: writev } = socket;
    const flushes: number[] = [];
    socket._write = function (this: unknown, chunk, encoding, cb) {
      flushes.push(1);
      return write.call(this, chunk, encoding, cb);
    };
    socket._writev = function (this: unknown, chunks, cb) {
      flushes.push(chunks.length);
      return writev.call(this, chunks, cb);
    };
    try {
      const keys = ['a', 'b', 'c', 'd', 'e'].map((k) => `${TEST_ENV.REDIS_PREFIX}rl-together:${process.hrtime.bigint()}:${k}`);
      const hits = await Promise.all(keys.map((key) => countHit(deps.redis, key, 60_000)));
      expect(hits.map(([count]) => count)).to.deep.equal([1, 1, 1, 1, 1]);
    } finally {
      socket._write = write;
      socket._writev = writev;
    }
    expect(flushes).to.deep.equal([5]);
  });

  it('passes any other Redis error on, for the error handler to answer 503', async () => {
    const redis = { options: {}, sendCommand: () => Promise.reject(new Error('Connection is closed.')) } as unknown as Redis;
    const err = await countHit(redis, 'k', 1000).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.equal('Connection is closed.');
  });
});
