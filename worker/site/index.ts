import { UnrecoverableError, type Job } from 'bullmq';
import type { SiteJob } from '../../common/queues';
import { createStorage, type Storage } from '../../common/storage';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { notifyAnnouncementAudience, publishAnnouncement, type AnnouncementPublishedHook, type PublishResult } from './publish-announcement';
import { cleanupUnreferencedFiles, type CleanupResult } from '../file-cleanup';

export interface SiteProcessorOptions {
  /** replaces the audience notification (tests observe it here) */
  notify?: AnnouncementPublishedHook;
  storage?: Storage;
}

export type SiteResult = PublishResult | CleanupResult;

export const FILE_CLEANUP_SCHEDULER = 'cleanup-files';

/** The `site` queue: scheduled announcement publishing and the unreferenced-file cleanup. */
export function siteProcessor(deps: WorkerDeps, options: SiteProcessorOptions = {}): ProcessorDefinition<SiteJob, SiteResult> {
  const notify = options.notify ?? notifyAnnouncementAudience(deps);
  const storage = options.storage ?? createStorage(deps.config);
  return {
    async process(job: Job<SiteJob, SiteResult>) {
      const data = job.data;
      switch (data.kind) {
        case 'publish-announcement':
          return publishAnnouncement(data.announcementId, data.publishAt, notify);
        case 'cleanup-files':
          return cleanupUnreferencedFiles({ config: deps.config, logger: deps.logger, storage });
        default:
          throw new UnrecoverableError(`unknown site job ${(data as { kind: string }).kind}`);
      }
    },
    async onFinalFailure(job, error) {
      deps.logger.error('site job failed', { kind: job.data.kind, error: error.message });
    },
  };
}

/**
 * The worker's factory: makes sure the cleanup runs every FILE_CLEANUP_EVERY_MINUTES (a BullMQ job
 * scheduler, one per Redis prefix however many workers upsert it), then the processor.
 */
export async function createSiteProcessor(deps: WorkerDeps): Promise<ProcessorDefinition<SiteJob, SiteResult>> {
  await deps.queues.site.upsertJobScheduler(
    FILE_CLEANUP_SCHEDULER,
    { every: deps.config.site.fileCleanupEveryMs },
    { name: 'site', data: { kind: 'cleanup-files' } },
  );
  return siteProcessor(deps);
}
