import type { Queue, QueueEvents, JobsOptions, ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type Config, type QueueName } from '../config';
import type { Logger } from '../logger';
import { lazyModule } from '../runtime/lazy-module';
import type { GradingJob } from './jobs/grading';
import type { AiEvaluationJob } from './jobs/ai-evaluation';
import type { EmailJob } from './jobs/email';
import type { FileProcessingJob } from './jobs/file-processing';
import type { SiteJob } from './jobs/site';
import type { NotificationJob } from './jobs/notifications';
import type { StudentImportJob } from './jobs/student-import';
import type { WebChecksJob } from './jobs/web-checks';
import type { LegacyImportJob } from './jobs/legacy-import';

export type { GradingJob, AiEvaluationJob, EmailJob, FileProcessingJob, NotificationJob, StudentImportJob, SiteJob, WebChecksJob, LegacyImportJob };
export { QUEUE_NAMES, type QueueName };

export interface JobPayloads {
  grading: GradingJob;
  'ai-evaluation': AiEvaluationJob;
  email: EmailJob;
  'file-processing': FileProcessingJob;
  notifications: NotificationJob;
  'student-import': StudentImportJob;
  site: SiteJob;
  'web-checks': WebChecksJob;
  'legacy-import': LegacyImportJob;
}

export type Queues = { [Q in QueueName]: Queue<JobPayloads[Q]> };

/**
 * bullmq is ~250 modules and a quarter of the API's module-loading CPU; the API only needs it once a
 * request enqueues, so it is required then (the worker needs it at once and loads it at once).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const bullmq = lazyModule(() => require('bullmq') as typeof import('bullmq'));

export const bullPrefix = (config: Pick<Config, 'redis'>) => `${config.redis.prefix}bull`;

/**
 * Defaults every job gets: a bounded number of attempts with exponential backoff, and bounded
 * retention so Redis does not grow without end, while failed jobs stay visible for a week.
 */
export function defaultJobOptions(config: Pick<Config, 'worker'>): JobsOptions {
  return {
    attempts: config.worker.jobAttempts,
    backoff: { type: 'exponential', delay: config.worker.jobBackoffMs },
    removeOnComplete: { age: 24 * 3600, count: 5000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 20_000 },
  };
}

/** The queues each made on first use (see `bullmq` above); closeQueues closes the ones that were made. */
const madeQueues = new WeakMap<Queues, Map<QueueName, Queue>>();

export function createQueues(config: Pick<Config, 'redis' | 'worker'>, connection: Redis, logger?: Logger): Queues {
  const made = new Map<QueueName, Queue>();
  const make = <Q extends QueueName>(name: Q): Queue<JobPayloads[Q]> => {
    const queue = new (bullmq().Queue)<JobPayloads[Q]>(name, {
      connection: connection as ConnectionOptions,
      prefix: bullPrefix(config),
      defaultJobOptions: defaultJobOptions(config),
    });
    queue.on('error', (err) => logger?.warn('queue error', { queue: name, error: err.message }));
    made.set(name, queue as unknown as Queue);
    return queue;
  };
  const queues = {} as Queues;
  for (const name of QUEUE_NAMES) {
    Object.defineProperty(queues, name, {
      enumerable: true,
      get: () => made.get(name) ?? make(name),
    });
  }
  madeQueues.set(queues, made);
  return queues;
}

/** Typed enqueue: the payload must match the queue. `jobId` makes a job idempotent. */
export async function enqueue<Q extends QueueName>(queues: Queues, name: Q, data: JobPayloads[Q], opts: JobsOptions = {}): Promise<string> {
  const queue = queues[name] as unknown as Queue<JobPayloads[Q]>;
  const job = await queue.add(name as never, data as never, opts);
  return job.id ?? '';
}

export async function closeQueues(queues: Queues): Promise<void> {
  const made = madeQueues.get(queues);
  await Promise.allSettled([...(made ? made.values() : Object.values(queues))].map((q) => q.close()));
}

export function createQueueEvents(config: Pick<Config, 'redis'>, name: QueueName, connection: Redis): QueueEvents {
  return new (bullmq().QueueEvents)(name, { connection: connection as ConnectionOptions, prefix: bullPrefix(config) });
}
