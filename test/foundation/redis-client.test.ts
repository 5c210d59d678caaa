import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { closeRedis, waitForRedis, warnUnlessNoEviction } from '../../common/redis';
import { captureLog } from '../support/log-capture';
import { TEST_ENV } from '../support/env';

/** A server that speaks just enough RESP for ioredis to connect, and answers every command with an empty array. */
async function emptyAnsweringServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString();
      // each command is a RESP array of bulk strings: *<n> then n pairs of $<len> and the text
      for (;;) {
        const lines = pending.split('\r\n');
        const n = Number(lines[0]?.slice(1));
        if (!lines[0]?.startsWith('*') || lines.length < 1 + 2 * n + 1) return;
        const name = lines[2]!.toLowerCase();
        pending = lines.slice(1 + 2 * n).join('\r\n');
        if (name === 'info') {
          // ioredis's ready check reads `loading:0`
          const info = '# Server\r\nloading:0\r\n';
          socket.write(`$${info.length}\r\n${info}\r\n`);
        } else if (name === 'client') socket.write('+OK\r\n');
        else socket.write('*0\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Redis client helpers', () => {
  it('waits for a client that is still connecting until it is ready', async () => {
    const client = new Redis(TEST_ENV.REDIS_URL!);
    try {
      expect(client.status).not.to.equal('ready');
      await waitForRedis(client, 5000);
      expect(client.status).to.equal('ready');
    } finally {
      await closeRedis(client);
    }
  });

  it('gives up on a Redis that never answers, naming the wait', async () => {
    const client = new Redis({ port: await closedPort(), host: '127.0.0.1', retryStrategy: () => 50, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      let error: Error | undefined;
      await waitForRedis(client, 200).catch((err: Error) => (error = err));
      expect(error?.message).to.equal('Redis did not answer within 200 ms');
    } finally {
      await closeRedis(client);
    }
    // closed while away: the connection is dropped and no further attempt is made
    let attempts = 0;
    client.on('connecting', () => attempts++);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).to.equal(0);
  });

  it('leaves a client that has already ended as it is', async () => {
    const client = new Redis(TEST_ENV.REDIS_URL!);
    await waitForRedis(client);
    await client.quit();
    await closeRedis(client);
    expect(client.status).to.equal('end');
  });

  it('says it could not check the eviction policy when CONFIG GET answers nothing', async () => {
    const fake = await emptyAnsweringServer();
    const client = new Redis(fake.url, { protocol: 2 });
    const log = captureLog('test');
    try {
      await waitForRedis(client);
      expect(await warnUnlessNoEviction(client, log.logger)).to.equal(undefined);
      expect(
        log.count('could not check the Redis maxmemory-policy (CONFIG GET answered nothing); BullMQ needs noeviction, make sure it is set'),
      ).to.equal(1);
    } finally {
      client.disconnect();
      await fake.close();
    }
  });
});
