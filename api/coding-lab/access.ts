import { ClassroomTeacher, User, type CodingTask } from '../../common/models';
import type { AuthUser } from '../auth/middleware';

/** The caller's identity as the coding-lab rules need it. */
export type Reader = Pick<AuthUser, 'id' | 'role'>;

export async function teaches(teacherId: string, classroomId: string | null): Promise<boolean> {
  if (!classroomId) return false;
  return (await ClassroomTeacher.count({ where: { teacherId, classroomId } })) > 0;
}

export async function taughtClassroomIds(teacherId: string): Promise<string[]> {
  const rows = await ClassroomTeacher.findAll({ where: { teacherId }, attributes: ['classroomId'] });
  return rows.map((r) => r.classroomId);
}

export async function classroomOf(userId: string): Promise<string | null> {
  const user = await User.findByPk(userId, { attributes: ['id', 'classroomId'] });
  return user?.classroomId ?? null;
}

/** Admins, the author, and teachers of the task's classroom may change a task and see its hidden tests. */
export async function mayManageTask(user: Reader, task: CodingTask): Promise<boolean> {
  if (user.role === 'admin') return true;
  if (user.role !== 'teacher') return false;
  if (task.createdBy === user.id) return true;
  return teaches(user.id, task.classroomId);
}

/** Students see published tasks open to everyone or to their classroom; staff see what they manage too. */
export async function mayViewTask(user: Reader, task: CodingTask): Promise<boolean> {
  if (await mayManageTask(user, task)) return true;
  if (!task.published) return false;
  if (!task.classroomId || user.role === 'teacher') return true;
  return (await classroomOf(user.id)) === task.classroomId;
}
