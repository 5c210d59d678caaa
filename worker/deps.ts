import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { createSequelize } from '../common/db/sequelize';
import { initModels } from '../common/models';
import { createRedis, closeRedis } from '../common/redis';
import { createQueues, closeQueues, type Queues } from '../common/queues';
import { RealtimePublisher } from '../common/realtime/publisher';

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  /** BullMQ worker connection: retries forever (`maxRetriesPerRequest: null`) */
  redis: Redis;
  /** for follow-up jobs (e.g. a rejudge fanning out) */
  queues: Queues;
  realtime: RealtimePublisher;
}

export function createWorkerDeps(config: Config, logger: Logger = createLogger(config, 'worker')): WorkerDeps {
  const sequelize = createSequelize(config, logger);
  initModels(sequelize);
  const redis = createRedis(config, 'worker', logger);
  return {
    config,
    logger,
    sequelize,
    redis,
    queues: createQueues(config, redis, logger),
    realtime: new RealtimePublisher(config, redis),
  };
}

export async function closeWorkerDeps(deps: WorkerDeps): Promise<void> {
  await closeQueues(deps.queues);
  await Promise.allSettled([closeRedis(deps.redis), deps.sequelize.close()]);
}
