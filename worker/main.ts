import type { Worker } from 'bullmq';
import { getConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { waitForRedis } from '../common/redis';
import { createWorkerDeps, closeWorkerDeps } from './deps';
import { startQueueWorker, closeWorkers } from './queue-worker';
import { processors } from './processors';

/**
 * The worker process: one BullMQ worker per queue named in WORKER_QUEUES, each with its own
 * concurrency, so ops can run e.g. grading-only dynos. On SIGTERM running jobs get until
 * SHUTDOWN_TIMEOUT_MS (below a platform's 30 s kill grace) to finish.
 */
export async function startWorkerProcess() {
  const config = getConfigOrExit();
  const logger = createLogger(config, 'worker');
  const deps = createWorkerDeps(config, logger);
  await Promise.all([deps.sequelize.authenticate(), waitForRedis(deps.redis, 10_000)]);

  const workers: Worker[] = [];
  for (const name of config.worker.queues) {
    const factory = processors[name];
    if (!factory) {
      logger.warn('no processor for queue, not consuming it', { queue: name });
      continue;
    }
    const definition = await factory(deps);
    workers.push(startQueueWorker(deps, name, definition, config.worker.concurrency[name]) as unknown as Worker);
  }
  logger.info('worker started', {
    queues: config.worker.queues.filter((q) => processors[q]),
    concurrency: config.worker.concurrency,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('worker shutting down', { signal });
    const outcome = await closeWorkers(workers, config.http.shutdownTimeoutMs);
    await closeWorkerDeps(deps);
    logger.info('worker stopped', { outcome });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return { workers, stop };
}

if (require.main === module) {
  startWorkerProcess().catch((err: unknown) => {
    process.stderr.write(`worker failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
