import { enqueueFanout } from '../../common/notifications/fanout';
import type { ApiDeps } from '../deps';
import type { PublishedHook } from './assignment-service';

/**
 * The one place "a web-lab assignment was published" surfaces, once per assignment (on create with
 * `published: true`, or on the update that publishes it): the classroom's students (every student,
 * for an every-classroom assignment) get an `assignment.published` notification through a fan-out
 * job. The dedupe key and job id name the assignment, so publishing it again notifies nobody twice.
 * A queue that is down costs the notification, never the teacher's request.
 */
export function webAssignmentPublishedHook(deps: Pick<ApiDeps, 'logger' | 'queues'>): PublishedHook {
  return async (a) => {
    try {
      await enqueueFanout(
        deps.queues,
        a.classroomId ? { kind: 'classroom', classroomId: a.classroomId } : { kind: 'school', roles: ['student'] },
        {
          type: 'assignment.published',
          title: `New web-lab assignment: ${a.title}`,
          body: `Due ${a.dueAt.toISOString()}`,
          link: `/web-lab/assignments/${a.id}`,
          data: { webAssignmentId: a.id, dueAt: a.dueAt.toISOString() },
          dedupeKey: `web-published:${a.id}`,
        },
        `web-published-${a.id}`,
      );
    } catch (err) {
      deps.logger.warn('web-lab published notification not queued', { assignmentId: a.id, error: (err as Error).message });
    }
  };
}
