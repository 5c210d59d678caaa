import type { Worker } from 'bullmq';
import type { JobPayloads, QueueName } from '../common/queues';
import type { WorkerDeps } from './deps';
import { startQueueWorker, closeWorkers, type ProcessorDefinition } from './queue-worker';
import { createGradingProcessor } from './grading/processor';
import { aiEvaluationProcessor } from './ai/processor';
import { emailProcessor } from './email/processor';
import { fileProcessingProcessor } from './files/processor';
import { studentImportProcessor } from './student-import/processor';
import { createNotificationsProcessor } from './notifications/processor';
import { createSiteProcessor } from './site';
import { webChecksProcessor } from './web-checks/processor';
import { legacyImportProcessor } from './legacy-import/processor';

/** Builds the processor of queue Q: its job payload type is the one enqueued on that queue. */
export type ProcessorFactory<Q extends QueueName> = (
  deps: WorkerDeps,
) => ProcessorDefinition<JobPayloads[Q], unknown> | Promise<ProcessorDefinition<JobPayloads[Q], unknown>>;

export type ProcessorRegistry = { [Q in QueueName]?: ProcessorFactory<Q> };

/** The processor of each queue, each in its queue's folder. A new queue adds its factory here. */
export const processors: ProcessorRegistry = {
  grading: (deps) => createGradingProcessor(deps),
  'ai-evaluation': (deps) => aiEvaluationProcessor(deps),
  email: (deps) => emailProcessor(deps),
  'file-processing': (deps) => fileProcessingProcessor(deps),
  'student-import': (deps) => studentImportProcessor(deps),
  notifications: (deps) => createNotificationsProcessor(deps),
  site: (deps) => createSiteProcessor(deps),
  'web-checks': (deps) => webChecksProcessor(deps),
  'legacy-import': (deps) => legacyImportProcessor(deps),
};

export interface RunningQueues {
  workers: Worker[];
  /** the queues actually consumed (those named that have a processor) */
  queues: QueueName[];
  /** Lets running jobs finish until the deadline (see closeWorkers), then closes each processor. */
  close(deadlineMs: number): Promise<'drained' | 'forced'>;
}

interface Started {
  name: QueueName;
  worker: Worker;
  close?: () => Promise<void>;
}

/** Generic in Q, so the registry's entry for Q is typed for Q's payload without a cast. */
async function startOne<Q extends QueueName>(deps: WorkerDeps, name: Q, registry: ProcessorRegistry): Promise<Started | undefined> {
  const factory = registry[name];
  if (!factory) {
    deps.logger.warn('no processor for queue, not consuming it', { queue: name });
    return undefined;
  }
  const definition = await factory(deps);
  const worker = startQueueWorker(deps, name, definition, deps.config.worker.concurrency[name]);
  return { name, worker, close: definition.close };
}

/** One BullMQ worker per named queue that has a processor, each with the queue's concurrency. */
export async function startQueues(deps: WorkerDeps, queues: readonly QueueName[], registry: ProcessorRegistry = processors): Promise<RunningQueues> {
  const started: Started[] = [];
  for (const name of queues) {
    const one = await startOne(deps, name, registry);
    if (one) started.push(one);
  }
  const workers = started.map((s) => s.worker);
  return {
    workers,
    queues: started.map((s) => s.name),
    async close(deadlineMs) {
      const outcome = await closeWorkers(workers, deadlineMs);
      // only now: a job still running would otherwise lose its sandbox under it
      await Promise.all(
        started.map(async ({ name, close }) => {
          await close?.().catch((err: Error) => deps.logger.error('processor close failed', { queue: name, error: err.message }));
        }),
      );
      return outcome;
    },
  };
}
