import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config';
import type { Logger } from './logger';

/**
 * What a connection is for decides how it behaves when Redis goes away (BullMQ's production guide):
 * - `worker` and `subscriber` connections retry forever (`maxRetriesPerRequest: null`) so a blip
 *   never loses a job or a subscription;
 * - `queue` connections (the API's BullMQ producers) have no offline queue, so enqueueing while Redis
 *   is away fails at once and the request answers 503 instead of hanging;
 * - `command` connections (rate limits, token checks) give up after one reconnect attempt and
 *   pipeline automatically, because they sit on the hot path of every request.
 */
export type RedisPurpose = 'command' | 'queue' | 'worker' | 'subscriber';

export function createRedis(config: Pick<Config, 'redis'>, purpose: RedisPurpose, logger?: Logger): Redis {
  const options: RedisOptions =
    purpose === 'command'
      ? {
          maxRetriesPerRequest: 1,
          enableAutoPipelining: true,
          connectTimeout: 2000,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        }
      : purpose === 'queue'
        ? {
            enableOfflineQueue: false,
            maxRetriesPerRequest: 1,
            connectTimeout: 2000,
            retryStrategy: (times) => Math.min(times * 200, 2000),
          }
        : {
            maxRetriesPerRequest: null,
            enableReadyCheck: true,
            retryStrategy: (times) => Math.min(times * 500, 5000),
          };
  const client = new Redis(config.redis.url, { ...options, connectionName: `gema-${purpose}`, lazyConnect: false });
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    // a down Redis emits an error per retry; one line every few seconds is enough to see it
    const now = Date.now();
    if (now - lastLogged > 5000) {
      lastLogged = now;
      logger?.warn('redis connection error', { purpose, error: err.message });
    }
  });
  return client;
}

/** Resolves once the client can answer, or rejects after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
