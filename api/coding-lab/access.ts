import type { CodingTask } from '../../common/models';
import { classroomOf, teaches, type Actor } from '../access/classrooms';

/** Admins, the author, and teachers of the task's classroom may change a task and see its hidden tests. */
export async function mayManageTask(user: Actor, task: CodingTask): Promise<boolean> {
  if (user.role === 'admin') return true;
  if (user.role !== 'teacher') return false;
  if (task.createdBy === user.id) return true;
  return teaches(user.id, task.classroomId);
}

/** Students see published tasks open to everyone or to their classroom; staff see what they manage too. */
export async function mayViewTask(user: Actor, task: CodingTask): Promise<boolean> {
  if (await mayManageTask(user, task)) return true;
  if (!task.published) return false;
  if (!task.classroomId || user.role === 'teacher') return true;
  return (await classroomOf(user.id)) === task.classroomId;
}
