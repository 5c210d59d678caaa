import { Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { requestContext } from '../common/context';
import { bullPrefix } from '../common/queues';
import type { WorkerDeps } from './deps';
import { classifyJobError, isMoveSignal } from './job-errors';

/** `process` sees a `Job<T>` whatever it returns, so a definition of any result fits the registry's `unknown`. */
export interface ProcessorDefinition<T = unknown, R = unknown> {
  /** `token` is the job's lock token, which `job.moveToDelayed` needs */
  process: (job: Job<T>, token?: string) => Promise<R>;
  /** Runs once a job has used its last attempt, so its record can show a failed state. */
  onFinalFailure?: (job: Job<T>, error: Error) => Promise<void>;
  options?: Partial<Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'>>;
  /** Releases what the processor holds (a sandbox's child processes…); called once its worker has closed. */
  close?: () => Promise<void>;
}

/** Runs one job: its request id in the logs, its duration and outcome in the metrics, its error classified. */
async function runJob<T, R>(
  deps: Pick<WorkerDeps, 'metrics'>,
  name: string,
  definition: ProcessorDefinition<T, R>,
  job: Job<T>,
  token?: string,
): Promise<R> {
  const done = deps.metrics.jobStarted(name);
  try {
    const result = await requestContext.run({ requestId: `job:${name}:${job.id}` }, () => definition.process(job, token));
    done('completed');
    return result;
  } catch (err) {
    if (isMoveSignal(err)) {
      done('delayed');
      throw err;
    }
    const classified = classifyJobError(err);
    done('failed', (classified as Error)?.name !== 'UnrecoverableError');
    throw classified;
  }
}

/**
 * Starts one BullMQ worker with the settings every queue shares: the worker connection, the key
 * prefix, a request id per job in the logs, job metrics, one mapping of deterministic errors to
 * UnrecoverableError (job-errors.ts), error listeners, and a final-failure hook.
 */
export function startQueueWorker<T, R>(
  deps: Pick<WorkerDeps, 'config' | 'logger' | 'redis' | 'metrics'>,
  name: string,
  definition: ProcessorDefinition<T, R>,
  concurrency: number,
): Worker<T, R> {
  const { logger } = deps;
  // BullMQ never closes a connection it is handed: this one is the worker's own, closed with it
  const connection = deps.redis.duplicate();
  const worker = new Worker<T, R>(name, (job, token) => runJob(deps, name, definition, job, token), {
    connection: connection as ConnectionOptions,
    prefix: bullPrefix(deps.config),
    concurrency,
    // a worker that dies mid-job has its job picked up again once the lock lapses
    maxStalledCount: 1,
    ...definition.options,
  });
  worker.once('closed', () => connection.disconnect());
  worker.on('error', (err) => logger.error('worker error', { queue: name, error: err.message }));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    logger.warn('job failed', { queue: name, jobId: job.id, attempt: job.attemptsMade, final, error: err.message });
    if (final && definition.onFinalFailure) {
      definition
        .onFinalFailure(job, err)
        .catch((hookErr: Error) => logger.error('final-failure hook failed', { queue: name, jobId: job.id, error: hookErr.message }));
    }
  });
  worker.on('completed', (job) => logger.debug('job completed', { queue: name, jobId: job.id }));
  return worker;
}

/** Lets running jobs finish until the deadline, then forces the close so the process can exit. */
export async function closeWorkers(workers: Worker[], deadlineMs: number): Promise<'drained' | 'forced'> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = Promise.all(workers.map((w) => w.close())).then(() => 'drained' as const);
  const deadline = new Promise<'forced'>((resolve) => {
    timer = setTimeout(() => resolve('forced'), deadlineMs);
  });
  const outcome = await Promise.race([graceful, deadline]);
  clearTimeout(timer);
  if (outcome === 'forced') await Promise.allSettled(workers.map((w) => w.close(true)));
  return outcome;
}
