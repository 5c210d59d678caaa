import '../common/require-node';
import type { Worker } from 'bullmq';
import { getConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { waitForRedis } from '../common/redis';
import type { QueueName } from '../common/queues';
import { createWorkerDeps, closeWorkerDeps, type WorkerDeps } from './deps';
import { startQueueWorker, closeWorkers, type ProcessorDefinition } from './queue-worker';
import { processors, type ProcessorFactory } from './processors';
import { runSandboxSelfCheck } from './grading/self-check-report';

export interface RunningQueues {
  workers: Worker[];
  /** Lets running jobs finish until the deadline (see closeWorkers), then closes each processor. */
  close(deadlineMs: number): Promise<'drained' | 'forced'>;
}

/** One BullMQ worker per named queue that has a processor, each with the queue's concurrency. */
export async function startQueues(
  deps: WorkerDeps,
  queues: readonly QueueName[],
  factories: Partial<Record<QueueName, ProcessorFactory>> = processors,
): Promise<RunningQueues> {
  const { config, logger } = deps;
  const workers: Worker[] = [];
  const definitions: Array<{ name: QueueName; definition: ProcessorDefinition<never, unknown> }> = [];
  for (const name of queues) {
    const factory = factories[name];
    if (!factory) {
      logger.warn('no processor for queue, not consuming it', { queue: name });
      continue;
    }
    const definition = await factory(deps);
    definitions.push({ name, definition });
    workers.push(startQueueWorker(deps, name, definition, config.worker.concurrency[name]) as unknown as Worker);
  }
  return {
    workers,
    async close(deadlineMs) {
      const outcome = await closeWorkers(workers, deadlineMs);
      // only now: a job still running would otherwise lose its sandbox under it
      await Promise.all(
        definitions.map(({ name, definition }) =>
          definition.close?.().catch((err: Error) => logger.error('processor close failed', { queue: name, error: err.message })),
        ),
      );
      return outcome;
    },
  };
}

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

  const running = await startQueues(deps, config.worker.queues);
  const selfCheck = await runSandboxSelfCheck(deps);
  logger.info('worker started', {
    queues: config.worker.queues.filter((q) => processors[q]),
    concurrency: config.worker.concurrency,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('worker shutting down', { signal });
    const outcome = await running.close(config.http.shutdownTimeoutMs);
    await selfCheck.close();
    await closeWorkerDeps(deps);
    logger.info('worker stopped', { outcome });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return { workers: running.workers, stop };
}

if (require.main === module) {
  startWorkerProcess().catch((err: unknown) => {
    process.stderr.write(`worker failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
