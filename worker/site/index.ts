import { UnrecoverableError, type Job } from 'bullmq';
import type { SiteJob } from '../../common/queues';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { notifyAnnouncementAudience, publishAnnouncement, type AnnouncementPublishedHook } from './publish-announcement';

export interface SiteProcessorOptions {
  /** replaces the audience notification (tests observe it here) */
  notify?: AnnouncementPublishedHook;
}

export type SiteResult = Awaited<ReturnType<typeof publishAnnouncement>>;

/** The `site` queue: scheduled announcement publishing. */
export function siteProcessor(deps: WorkerDeps, options: SiteProcessorOptions = {}): ProcessorDefinition<SiteJob, SiteResult> {
  const notify = options.notify ?? notifyAnnouncementAudience(deps.logger);
  return {
    async process(job: Job<SiteJob, SiteResult>) {
      const data = job.data;
      switch (data.kind) {
        case 'publish-announcement':
          return publishAnnouncement(data.announcementId, data.publishAt, notify);
        default:
          throw new UnrecoverableError(`unknown site job ${(data as { kind: string }).kind}`);
      }
    },
    async onFinalFailure(job, error) {
      deps.logger.error('site job failed', { kind: job.data.kind, error: error.message });
    },
  };
}
