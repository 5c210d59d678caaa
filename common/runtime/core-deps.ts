import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { createSequelize } from '../db/sequelize';
import { initModels } from '../models';
import { createRedis, closeRedis, waitForRedis, warnUnlessNoEviction } from '../redis';
import { createQueues, closeQueues, type Queues } from '../queues';
import { RealtimePublisher } from '../realtime/publisher';
import { unwatchStudentCacheWrites, watchStudentCacheWrites } from '../learning/student-cache-versions';

/** What both processes are built on: the database, Redis, the BullMQ producers and the publisher. */
export interface CoreDeps {
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  /**
   * Web: hot-path commands that fail fast (rate limits, revocation, caches). Worker: the BullMQ
   * consumer connection, which retries forever (`maxRetriesPerRequest: null`).
   */
  redis: Redis;
  /** BullMQ producers. Web: no offline queue, so enqueueing fails fast while Redis is away. Worker: like `redis`, its own connection. */
  queueRedis: Redis;
  queues: Queues;
  realtime: RealtimePublisher;
}

/** `web` answers requests and must fail fast; `worker` consumes jobs and must ride out a Redis blip. */
export type ProcessKind = 'web' | 'worker';

export function createCoreDeps(config: Config, logger: Logger, kind: ProcessKind): CoreDeps {
  const sequelize = createSequelize(config, logger);
  initModels(sequelize);
  const redis = createRedis(config, kind === 'web' ? 'command' : 'worker', logger);
  // the worker's producers get a connection of their own too: BullMQ defines its ~50 Lua scripts on
  // the connection it is given, and ioredis copies every defined script into each pipeline made on
  // that connection (the realtime publisher's and the student cache's, several per graded submission)
  const queueRedis = createRedis(config, kind === 'web' ? 'queue' : 'worker', logger);
  void watchStudentCacheWrites(redis, config.redis.prefix);
  return {
    config,
    logger,
    sequelize,
    redis,
    queueRedis,
    queues: createQueues(config, queueRedis, logger),
    realtime: new RealtimePublisher(config, redis),
  };
}

/**
 * Resolves once PostgreSQL and Redis both answer, so a process never reports itself started without
 * them; warns when the Redis in use may evict BullMQ's keys.
 */
export async function waitForCoreDeps(deps: CoreDeps, timeoutMs = 10_000): Promise<void> {
  await Promise.all([deps.sequelize.authenticate(), waitForRedis(deps.redis, timeoutMs)]);
  await warnUnlessNoEviction(deps.redis, deps.logger);
}

export async function closeCoreDeps(deps: CoreDeps): Promise<void> {
  unwatchStudentCacheWrites(deps.redis);
  await closeQueues(deps.queues);
  const redis = deps.queueRedis === deps.redis ? [deps.redis] : [deps.redis, deps.queueRedis];
  await Promise.allSettled([...redis.map((r) => closeRedis(r)), deps.sequelize.close()]);
}
