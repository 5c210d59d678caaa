import { Op, literal, type FindOptions, type InferAttributes } from 'sequelize';
import { Classroom } from '../../common/models';
import type { AuthUser } from '../auth/middleware';
import { limitOffset, type Pagination } from '../../common/paging';

export interface ClassroomView {
  id: string;
  name: string;
  academicYear: string;
  /** set once an admin archived it (README.md#admin-people) */
  archivedAt: Date | null;
  /** only teachers of the classroom and admins list it: README.md#classroom-join-codes */
  joinCode: string | null;
  studentCount: number;
}

/**
 * Classrooms a caller may see: an admin sees every one, a teacher those they teach (membership
 * read from classroom_teachers, never from the request).
 */
export async function listClassrooms(user: AuthUser, page: Pagination): Promise<{ rows: ClassroomView[]; total: number }> {
  const where: FindOptions<InferAttributes<Classroom>>['where'] =
    user.role === 'admin'
      ? {}
      : {
          id: {
            [Op.in]: literal(`(SELECT ct.classroom_id FROM classroom_teachers ct WHERE ct.teacher_id = ${Classroom.sequelize!.escape(user.id)})`),
          },
        };
  const { rows, count } = await Classroom.findAndCountAll({
    where,
    attributes: {
      include: [
        [
          literal('(SELECT count(*)::int FROM users u WHERE u.classroom_id = "Classroom".id AND u.deleted_at IS NULL AND u.role = \'student\')'),
          'studentCount',
        ],
      ],
    },
    order: [
      ['academicYear', 'DESC'],
      ['name', 'ASC'],
    ],
    ...limitOffset(page),
  });
  return {
    total: count,
    rows: rows.map((c) => ({
      id: c.id,
      name: c.name,
      academicYear: c.academicYear,
      archivedAt: c.archivedAt ?? null,
      joinCode: c.joinCode ?? null,
      studentCount: Number(c.get('studentCount' as keyof Classroom)),
    })),
  };
}
