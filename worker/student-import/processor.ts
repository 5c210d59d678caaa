import type { Job } from 'bullmq';
import type { StudentImportJob } from '../../common/queues';
import { failQueuedImport, runQueuedImport } from '../../common/people/import-job';
import type { ImportSummary } from '../../common/people/student-import';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';

/** The `student-import` queue: a large CSV import (README.md#admin-bulk-import-and-export). */
export function studentImportProcessor(deps: WorkerDeps): ProcessorDefinition<StudentImportJob, ImportSummary | null> {
  const importDeps = {
    ...deps,
    redisPrefix: deps.config.redis.prefix,
    accessTtlSeconds: deps.config.auth.accessTtlSeconds,
    maxRows: deps.config.studentImport.maxRows,
  };
  return {
    process: (job: Job<StudentImportJob, ImportSummary | null>) => runQueuedImport(importDeps, job.data.importId),
    onFinalFailure: (job, error) => failQueuedImport(job.data.importId, error.message),
  };
}
