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
