import { UnrecoverableError, type Job } from 'bullmq';
import type { NotificationJob } from '../../common/queues';
import { fanOut } from '../../common/notifications/fanout';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { remindDeadlines } from './deadlines';

export const DEADLINE_SCHEDULER_ID = 'notification-deadlines';
const DEFAULT_DEADLINE_EVERY_MS = 15 * 60_000;

export interface NotificationsProcessorOptions {
  /** how often the deadline reminder sweep runs (a BullMQ job scheduler; 0 turns it off) */
  deadlineEveryMs?: number;
}

/**
 * The `notifications` queue (README.md#notifications): fan-outs to a classroom or the whole school,
 * stored in batches, and the scheduled deadline reminders. A fan-out without its own dedupe key gets
 * the job's id, so a retry resumes where it stopped without notifying anyone twice.
 */
export async function createNotificationsProcessor(
  deps: WorkerDeps,
  options: NotificationsProcessorOptions = {},
): Promise<ProcessorDefinition<NotificationJob, number>> {
  const every = options.deadlineEveryMs ?? DEFAULT_DEADLINE_EVERY_MS;
  if (every > 0) {
    await deps.queues.notifications.upsertJobScheduler(
      DEADLINE_SCHEDULER_ID,
      { every },
      { name: 'deadlines', data: { kind: 'deadlines' }, opts: { attempts: 1, removeOnComplete: 10, removeOnFail: 10 } },
    );
  }
  return {
    async process(job: Job<NotificationJob, number>) {
      const data = job.data;
      switch (data?.kind) {
        case 'fanout':
          return fanOut(deps.realtime, data.audience, { ...data.notification, dedupeKey: data.notification.dedupeKey ?? `job:${job.id}` });
        case 'deadlines':
          return remindDeadlines(deps.sequelize, deps.realtime);
        default:
          throw new UnrecoverableError('unknown notifications job');
      }
    },
  };
}
