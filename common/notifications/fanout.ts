import { QueryTypes } from 'sequelize';
import { Notification } from '../models';
import { enqueue, type Queues } from '../queues';
import type { NotificationAudience } from '../queues/jobs/notifications';
import type { RealtimePublisher } from '../realtime/publisher';
import { NOTIFY_BATCH, notifyUsers, type NotificationInput } from './create';

/**
 * Queues one notification for a whole audience. The request that causes it answers at once; the
 * worker stores the notifications in batches (`fanOut`). A `jobId` makes the fan-out itself
 * idempotent (BullMQ ids may not contain `:`).
 */
export async function enqueueFanout(queues: Queues, audience: NotificationAudience, notification: NotificationInput, jobId?: string) {
  return enqueue(queues, 'notifications', { kind: 'fanout', audience, notification }, jobId ? { jobId } : {});
}

/** One page of the audience's active users after `afterId`, ordered by id (keyset paging). */
async function audiencePage(audience: NotificationAudience, afterId: string, limit: number): Promise<string[]> {
  if (audience.kind === 'users') {
    return [...new Set(audience.userIds)]
      .sort()
      .filter((id) => id > afterId)
      .slice(0, limit);
  }
  const rows = await Notification.sequelize!.query<{ id: string }>(
    `SELECT u.id FROM users u
      WHERE u.deleted_at IS NULL AND u.status = 'active' AND u.id > CAST(:afterId AS uuid)
        AND (CAST(:roles AS text[]) IS NULL OR u.role = ANY(CAST(:roles AS text[])))
        AND (CAST(:classroomId AS uuid) IS NULL
             OR u.classroom_id = CAST(:classroomId AS uuid)
             OR (:teachers AND u.id IN (SELECT teacher_id FROM classroom_teachers WHERE classroom_id = CAST(:classroomId AS uuid))))
      ORDER BY u.id LIMIT :limit`,
    {
      replacements: {
        afterId,
        limit,
        classroomId: audience.kind === 'classroom' ? audience.classroomId : null,
        teachers: audience.kind === 'classroom' && audience.teachers === true,
        roles: audience.kind === 'school' && audience.roles?.length ? `{${audience.roles.join(',')}}` : null,
      },
      type: QueryTypes.SELECT,
    },
  );
  return rows.map((r) => r.id);
}

/**
 * Stores the notification for every member of the audience, `batchSize` users per statement, and
 * pushes each batch. Every notification carries the dedupe key, so a job retried half-way resumes
 * without notifying anyone twice. Returns how many notifications were made.
 */
export async function fanOut(
  realtime: RealtimePublisher,
  audience: NotificationAudience,
  notification: NotificationInput & { dedupeKey: string },
  batchSize = NOTIFY_BATCH,
): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let made = 0;
  for (;;) {
    const batch = await audiencePage(audience, after, batchSize);
    if (batch.length === 0) return made;
    made += (await notifyUsers(realtime, batch, notification)).size;
    after = batch[batch.length - 1]!;
    if (batch.length < batchSize) return made;
  }
}
