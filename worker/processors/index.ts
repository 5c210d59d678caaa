import type { QueueName } from '../../common/queues';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { emailProcessor } from './email';
import { fileProcessingProcessor } from './file-processing';

export type ProcessorFactory = (deps: WorkerDeps) => ProcessorDefinition<never, unknown> | Promise<ProcessorDefinition<never, unknown>>;

/** The processor of each queue. A feature adds its queue's factory here. */
export const processors: Partial<Record<QueueName, ProcessorFactory>> = {
  email: emailProcessor as ProcessorFactory,
  'file-processing': (deps) => fileProcessingProcessor(deps),
};
