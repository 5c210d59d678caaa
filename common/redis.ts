import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config';
import type { Logger } from './logger';

/**
 * What a connection is for decides how it behaves when Redis goes away (BullMQ's production guide):
 * - `worker` and `subscriber` connections retry forever (`maxRetriesPerRequest: null`) so a blip
 *   never loses a job or a subscription;
 * - `queue` connections (the API's BullMQ producers) have no offline queue, so enqueueing while Redis
 *   is away fails at once and the request answers 503 instead of hanging;
 * - `command` connections (rate limits, token checks) sit on the hot path of every request: once
 *   connected they keep no offline queue (a command while Redis is away fails at once, and the
 *   request answers 503 instead of waiting for reconnects), and a command Redis does not answer
 *   gives up after `REDIS_COMMAND_TIMEOUT_MS`. They pipeline automatically.
 *   README.md#when-postgresql-or-redis-is-away
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
  if (purpose === 'command') {
    // Queued until the first connection, so a process (or a test) may use the client at once; from
    // then on a command while the connection is down fails at once instead of waiting in a queue,
    // and one Redis does not answer gives up after the timeout.
    client.once('ready', () => {
      client.options.enableOfflineQueue = false;
      client.options.commandTimeout = config.redis.commandTimeoutMs;
    });
  }
  // a down Redis emits an error per retry: one line when it goes, one when it is back
  let lost = false;
  client.on('error', (err: Error) => {
    if (lost) return;
    lost = true;
    logger?.warn('redis connection lost; retrying', { purpose, error: err.message });
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger?.info('redis connection restored', { purpose });
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

/**
 * BullMQ keeps jobs as ordinary keys: a Redis that evicts keys under memory pressure silently loses
 * queued jobs and their locks. Says so at start-up when the policy is anything but `noeviction`,
 * and says that it could not check when CONFIG is refused (managed Redis often renames it).
 * README.md#redis-settings-for-the-queues
 */
export async function warnUnlessNoEviction(client: Redis, logger: Logger): Promise<string | undefined> {
  let policy: string | undefined;
  try {
    const reply = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    policy = reply[1];
  } catch (err) {
    logger.warn('could not check the Redis maxmemory-policy (CONFIG GET refused); BullMQ needs noeviction, make sure it is set', {
      error: (err as Error).message,
    });
    return undefined;
  }
  if (policy === undefined) {
    logger.warn('could not check the Redis maxmemory-policy (CONFIG GET answered nothing); BullMQ needs noeviction, make sure it is set');
  } else if (policy !== 'noeviction') {
    logger.warn(`Redis maxmemory-policy is ${policy}: under memory pressure Redis may evict queued jobs; set it to noeviction`, { policy });
  }
  return policy;
}

export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  // a QUIT to a server that is away waits in the offline queue until it returns: drop the connection instead
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.quit(), new Promise((resolve) => (timer = setTimeout(resolve, QUIT_WAIT_MS)))]);
    clearTimeout(timer);
    if ((client.status as string) !== 'end') client.disconnect();
  } catch {
    client.disconnect();
  }
}

/** how long a QUIT may take before the connection is simply dropped (a hung server never answers it) */
const QUIT_WAIT_MS = 2000;
