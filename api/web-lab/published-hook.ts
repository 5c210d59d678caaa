import type { ApiDeps } from '../deps';
import type { PublishedHook } from './assignment-service';

/**
 * The one place "a web-lab assignment was published" surfaces, once per assignment (on create with
 * `published: true`, or on the update that publishes it). Notifications are not on main yet: the
 * lead connects them here (e.g. notify the classroom's students). It must not throw for the API.
 */
export function webAssignmentPublishedHook(deps: Pick<ApiDeps, 'logger'>): PublishedHook {
  return (assignment) => {
    deps.logger.info('web-lab assignment published', { assignmentId: assignment.id, classroomId: assignment.classroomId });
  };
}
