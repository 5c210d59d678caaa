import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { Registry } from 'prom-client';
import type { Config } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { createSequelize } from '../common/db/sequelize';
import { initModels } from '../common/models';
import { createRedis, closeRedis } from '../common/redis';
import { createQueues, closeQueues, type Queues } from '../common/queues';
import { RealtimePublisher } from '../common/realtime/publisher';
import { AccessTokens } from './auth/tokens';
import { AccessRevocation } from './auth/revocation';
import { createAuthMiddleware, type AuthMiddleware } from './auth/middleware';
import { StreamHub } from './streams/hub';
import { StreamTickets } from './streams/tickets';

/** Everything the HTTP app needs, built once per process and handed to `createApp`. */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  /** hot-path commands: rate limits, token revocation, caches */
  redis: Redis;
  /** BullMQ producers; no offline queue, so enqueueing fails fast while Redis is away */
  queueRedis: Redis;
  queues: Queues;
  realtime: RealtimePublisher;
  tokens: AccessTokens;
  revocation: AccessRevocation;
  auth: AuthMiddleware;
  metrics: Registry;
  /** the Server-Sent Events streams this process holds */
  streams: StreamHub;
  streamTickets: StreamTickets;
}

export function createApiDeps(config: Config, logger: Logger = createLogger(config, 'api')): ApiDeps {
  const sequelize = createSequelize(config, logger);
  initModels(sequelize);
  const redis = createRedis(config, 'command', logger);
  const queueRedis = createRedis(config, 'queue', logger);
  const queues = createQueues(config, queueRedis, logger);
  const tokens = new AccessTokens(config);
  const revocation = new AccessRevocation(redis, config.redis.prefix);
  const realtime = new RealtimePublisher(config, redis);
  return {
    config,
    logger,
    sequelize,
    redis,
    queueRedis,
    queues,
    realtime,
    tokens,
    revocation,
    auth: createAuthMiddleware(tokens, revocation),
    metrics: new Registry(),
    streams: new StreamHub({ config, logger, redis, log: realtime.streams }),
    streamTickets: new StreamTickets(redis, config.redis.prefix),
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  await deps.streams.close();
  await closeQueues(deps.queues);
  await Promise.allSettled([closeRedis(deps.redis), closeRedis(deps.queueRedis), deps.sequelize.close()]);
}
