import type { QueueName } from '../../common/queues';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { createGradingProcessor } from '../grading/processor';
import { emailProcessor } from './email';
import { aiEvaluationProcessor } from './ai-evaluation';
import { fileProcessingProcessor } from './file-processing';
import { createSiteProcessor } from '../site';

export type ProcessorFactory = (deps: WorkerDeps) => ProcessorDefinition<never, unknown> | Promise<ProcessorDefinition<never, unknown>>;

/** The processor of each queue. A feature adds its queue's factory here. */
export const processors: Partial<Record<QueueName, ProcessorFactory>> = {
  grading: (deps) => createGradingProcessor(deps) as Promise<ProcessorDefinition<never, unknown>>,
  email: emailProcessor as ProcessorFactory,
  'ai-evaluation': (deps) => aiEvaluationProcessor(deps) as ProcessorDefinition<never, unknown>,
  'file-processing': (deps) => fileProcessingProcessor(deps),
  site: async (deps) => (await createSiteProcessor(deps)) as ProcessorDefinition<never, unknown>,
};
