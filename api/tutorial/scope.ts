import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Role } from '../../common/models';

/** The identity the learning services act for: the token's subject, nothing from the body. */
export interface Actor {
  id: string;
  role: Role;
}

/**
 * Who may see what in the learning features:
 * - a student: their own submissions, and published assignments of their classroom or of every classroom;
 * - a teacher: submissions of students in the classrooms they teach, assignments of those classrooms
 *   (and the every-classroom ones, read only);
 * - an admin: everything.
 * Anything outside answers 404, so a guess never learns that an id exists.
 */
export class LearningScope {
  constructor(private readonly sequelize: Sequelize) {}

  async taughtClassroomIds(teacherId: string, transaction?: Transaction): Promise<string[]> {
    const rows = await this.sequelize.query<{ classroom_id: string }>(
      'SELECT classroom_id FROM classroom_teachers WHERE teacher_id = :teacherId',
      { replacements: { teacherId }, type: QueryTypes.SELECT, transaction },
    );
    return rows.map((r) => r.classroom_id);
  }

  async teaches(teacherId: string, classroomId: string | null, transaction?: Transaction): Promise<boolean> {
    if (!classroomId) return false;
    const rows = await this.sequelize.query(
      'SELECT 1 FROM classroom_teachers WHERE teacher_id = :teacherId AND classroom_id = :classroomId',
      { replacements: { teacherId, classroomId }, type: QueryTypes.SELECT, transaction },
    );
    return rows.length > 0;
  }

  async studentClassroomId(studentId: string, transaction?: Transaction): Promise<string | null> {
    const rows = await this.sequelize.query<{ classroom_id: string | null }>(
      'SELECT classroom_id FROM users WHERE id = :studentId AND deleted_at IS NULL',
      { replacements: { studentId }, type: QueryTypes.SELECT, transaction },
    );
    return rows[0]?.classroom_id ?? null;
  }

  /** Whether the actor may review a submission by this student: their teacher, or an admin. */
  async mayReview(actor: Actor, studentClassroomId: string | null, transaction?: Transaction): Promise<boolean> {
    if (actor.role === 'admin') return true;
    if (actor.role !== 'teacher') return false;
    return this.teaches(actor.id, studentClassroomId, transaction);
  }
}
