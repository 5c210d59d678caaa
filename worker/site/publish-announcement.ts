import type { Logger } from '../../common/logger';
import { Announcement } from '../../common/models';
import type { Queues } from '../../common/queues';
import { announcementPublished } from '../../common/notifications/triggers';

/** What publishing does for the announcement's audience once it becomes visible. */
export type AnnouncementPublishedHook = (announcement: Announcement) => Promise<void>;

/** Publishing tells the announcement's audience through a notifications fan-out (common/notifications). */
export function notifyAnnouncementAudience(deps: { logger: Logger; queues: Queues }): AnnouncementPublishedHook {
  return async (announcement) => {
    await announcementPublished(deps.queues, announcement);
    deps.logger.info('announcement published', {
      announcementId: announcement.id,
      audience: announcement.classroomId ? 'classroom' : 'school',
    });
  };
}

export interface PublishResult {
  announcementId: string;
  outcome: 'published' | 'already-published' | 'stale' | 'missing';
}

/**
 * Marks an announcement published and tells its audience, exactly once: the row is claimed by
 * setting `notified_at` only while it is empty, active, and its publish date is the one the job was
 * queued for and has come. A job for a date since moved, a deactivated or deleted announcement, or a
 * second delivery of the job does nothing.
 */
export async function publishAnnouncement(announcementId: string, publishAt: string, notify: AnnouncementPublishedHook): Promise<PublishResult> {
  const row = await Announcement.findByPk(announcementId);
  if (!row) return { announcementId, outcome: 'missing' };
  if (row.notifiedAt) return { announcementId, outcome: 'already-published' };
  if (!row.active || row.publishAt.toISOString() !== publishAt) return { announcementId, outcome: 'stale' };
  // a worker whose clock runs behind the API's: not yet, and the job's backoff tries again
  if (row.publishAt.getTime() > Date.now()) throw new Error('the publish date has not come yet');
  const [claimed] = await Announcement.update(
    { notifiedAt: new Date() },
    { where: { id: announcementId, notifiedAt: null, active: true, publishAt: row.publishAt } },
  );
  if (claimed === 0) return { announcementId, outcome: 'already-published' };
  await notify(row);
  return { announcementId, outcome: 'published' };
}
