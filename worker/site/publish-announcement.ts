import type { Logger } from '../../common/logger';
import { Announcement } from '../../common/models';

/** What publishing does for the announcement's audience once it becomes visible. */
export type AnnouncementPublishedHook = (announcement: Announcement) => Promise<void>;

/**
 * THE hook of "publishing notifies the audience". Notifications are not on this branch; when
 * they are, this is the one place to connect them (school-wide: everyone; else the classroom's
 * students and teachers). Until then it only logs.
 */
export function notifyAnnouncementAudience(logger: Logger): AnnouncementPublishedHook {
  return async (announcement) => {
    logger.info('announcement published', {
      announcementId: announcement.id,
      classroomId: announcement.classroomId ?? null,
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
export async function publishAnnouncement(
  announcementId: string,
  publishAt: string,
  notify: AnnouncementPublishedHook,
): Promise<PublishResult> {
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
