import type { Job } from 'bullmq';
import type { LegacyImportJob } from '../../common/queues';
import { failLegacyImportJob, runLegacyImportJob } from '../../common/legacy-import/job';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';

/** The `legacy-import` queue: an import run an admin started (README.md#moving-from-the-old-gema). */
export function legacyImportProcessor(deps: WorkerDeps): ProcessorDefinition<LegacyImportJob, void> {
  return {
    process: (job: Job<LegacyImportJob, void>) => runLegacyImportJob(deps, job.data.runId),
    onFinalFailure: (job, error) => failLegacyImportJob(deps, job.data.runId, error.message),
  };
}
