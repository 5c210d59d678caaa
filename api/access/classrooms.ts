import type { Transaction } from 'sequelize';
import { ClassroomTeacher, User, type Role } from '../../common/models';

/**
 * Classroom membership as every feature's access rules read it: from the database, never from the
 * request. Each feature's "who may see this" check is built on these few questions.
 */

/** Who a service acts for: the token's subject and role. */
export interface Actor {
  id: string;
  role: Role;
}

export async function teaches(teacherId: string, classroomId: string | null, transaction?: Transaction): Promise<boolean> {
  if (!classroomId) return false;
  return (await ClassroomTeacher.count({ where: { teacherId, classroomId }, transaction })) > 0;
}

export async function taughtClassroomIds(teacherId: string, transaction?: Transaction): Promise<string[]> {
  const rows = await ClassroomTeacher.findAll({ where: { teacherId }, attributes: ['classroomId'], transaction });
  return rows.map((r) => r.classroomId);
}

/** The classroom of a user who has not been deleted, or null. */
export async function classroomOf(userId: string, transaction?: Transaction): Promise<string | null> {
  const user = await User.findByPk(userId, { attributes: ['id', 'classroomId'], transaction });
  return user?.classroomId ?? null;
}

/** Whether the actor may review a student's work: a teacher of the student's classroom, or an admin. */
export async function mayReview(actor: Actor, studentClassroomId: string | null, transaction?: Transaction): Promise<boolean> {
  if (actor.role === 'admin') return true;
  if (actor.role !== 'teacher') return false;
  return teaches(actor.id, studentClassroomId, transaction);
}

/** Told which teachers' classrooms changed (`'all'` when a classroom's whole list of teachers was replaced). */
export type TeachingListener = (teacherIds: readonly string[] | 'all') => void;
const teachingListeners = new Set<TeachingListener>();

/**
 * Listens for changes of who teaches where made by this process (what keeps a copy of
 * `taughtClassroomIds`, such as the socket handshake's cache, forgets it). Returns the unsubscribe.
 */
export function onTeachingChanged(listener: TeachingListener): () => void {
  teachingListeners.add(listener);
  return () => teachingListeners.delete(listener);
}

/** Called after a committed change of classroom_teachers (an admin's assignment, a teacher's role change). */
export function teachingChanged(teacherIds: readonly string[] | 'all'): void {
  for (const listener of teachingListeners) listener(teacherIds);
}
