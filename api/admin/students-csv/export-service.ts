import { QueryTypes, type Sequelize } from 'sequelize';
import { NotFoundError } from '../../../common/errors';
import { taughtClassroomIds, teaches, type Actor } from '../../access/classrooms';

const BATCH = 500;

export type CsvRecord = (string | number | null)[];

export const STUDENT_EXPORT_HEADER = ['name', 'nis', 'email', 'classroom', 'status', 'email_verified', 'created_at', 'last_login_at'];
export const GRADE_EXPORT_HEADER = [
  'student_name',
  'nis',
  'email',
  'assignment',
  'due_at',
  'max_points',
  'status',
  'attempt',
  'submitted_at',
  'days_late',
  'grade',
];

/**
 * Exports stream (README.md#admin-bulk-import-and-export): rows are read in keyset-paged batches and
 * handed on one batch at a time, so memory stays flat whatever the school's size. The first four
 * columns of the student export are the import's, so an export can be edited and imported back.
 */
export class ExportService {
  constructor(private readonly sequelize: Sequelize) {}

  /** Checks access before anything is sent, then yields the rows. */
  async students(actor: Actor, filter: { classroomId?: string; status?: string }): Promise<AsyncIterable<CsvRecord>> {
    let classroomIds: string[] | null = null;
    if (actor.role === 'teacher') {
      const taught = await taughtClassroomIds(actor.id);
      if (filter.classroomId && !taught.includes(filter.classroomId)) throw new NotFoundError('Classroom');
      classroomIds = filter.classroomId ? [filter.classroomId] : taught;
    } else if (filter.classroomId) {
      classroomIds = [filter.classroomId];
    }
    return this.studentRows(classroomIds, filter.status ?? null);
  }

  async grades(actor: Actor, classroomId: string): Promise<AsyncIterable<CsvRecord>> {
    const exists = await this.sequelize.query('SELECT 1 FROM classrooms WHERE id = $1', { bind: [classroomId], type: QueryTypes.SELECT });
    if (!exists.length || (actor.role !== 'admin' && !(await teaches(actor.id, classroomId)))) throw new NotFoundError('Classroom');
    return this.gradeRows(classroomId);
  }

  private async *studentRows(classroomIds: string[] | null, status: string | null): AsyncIterable<CsvRecord> {
    let after: { name: string; id: string } | null = null;
    for (;;) {
      const rows: {
        id: string;
        name: string;
        student_number: string | null;
        email: string | null;
        classroom: string | null;
        status: string;
        verified: boolean;
        created_at: Date;
        last_login_at: Date | null;
      }[] = await this.sequelize.query(
        `SELECT u.id, u.name, u.student_number, u.email, c.name AS classroom, u.status, u.email_verified_at IS NOT NULL AS verified,
                  u.created_at, u.last_login_at
           FROM users u LEFT JOIN classrooms c ON c.id = u.classroom_id
           WHERE u.role = 'student' AND u.deleted_at IS NULL
             AND ($1::uuid[] IS NULL OR u.classroom_id = ANY($1::uuid[]))
             AND ($2::text IS NULL OR u.status = $2)
             AND ($3::text IS NULL OR (u.name, u.id) > ($3, $4::uuid))
           ORDER BY u.name, u.id LIMIT ${BATCH}`,
        { bind: [classroomIds, status, after?.name ?? null, after?.id ?? null], type: QueryTypes.SELECT },
      );
      for (const r of rows) {
        yield [r.name, r.student_number, r.email, r.classroom, r.status, r.verified ? 'yes' : 'no', iso(r.created_at), iso(r.last_login_at)];
      }
      if (rows.length < BATCH) return;
      const last = rows[rows.length - 1]!;
      after = { name: last.name, id: last.id };
    }
  }

  /** One row per student and assignment set in the classroom: the attempt that counts, else `missing` (past due) or `not_submitted`. */
  private async *gradeRows(classroomId: string): AsyncIterable<CsvRecord> {
    let after: { name: string; id: string } | null = null;
    for (;;) {
      const students: { id: string; name: string }[] = await this.sequelize.query(
        `SELECT id, name FROM users WHERE classroom_id = $1 AND role = 'student' AND deleted_at IS NULL
           AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
         ORDER BY name, id LIMIT ${BATCH}`,
        { bind: [classroomId, after?.name ?? null, after?.id ?? null], type: QueryTypes.SELECT },
      );
      if (students.length === 0) return;
      const rows: {
        name: string;
        student_number: string | null;
        email: string | null;
        title: string;
        due_at: Date;
        max_points: number;
        status: string | null;
        attempt: number | null;
        submitted_at: Date | null;
        days_late: number | null;
        grade: number | null;
      }[] = await this.sequelize.query(
        `SELECT u.name, u.student_number, u.email, a.title, a.due_at, a.max_points,
                  s.status, s.attempt, s.submitted_at, s.days_late, s.grade
           FROM unnest($1::uuid[]) WITH ORDINALITY AS st(id, ord)
           JOIN users u ON u.id = st.id
           CROSS JOIN assignments a
           LEFT JOIN LATERAL (
             SELECT status, attempt, submitted_at, days_late, grade FROM submissions
             WHERE assignment_id = a.id AND student_id = u.id ORDER BY attempt DESC LIMIT 1
           ) s ON true
           WHERE a.classroom_id = $2 AND a.status <> 'draft'
           ORDER BY st.ord, a.due_at, a.id`,
        { bind: [students.map((s) => s.id), classroomId], type: QueryTypes.SELECT },
      );
      for (const r of rows) {
        yield [
          r.name,
          r.student_number,
          r.email,
          r.title,
          iso(r.due_at),
          r.max_points,
          r.status ?? (new Date(r.due_at) < new Date() ? 'missing' : 'not_submitted'),
          r.attempt,
          iso(r.submitted_at),
          r.days_late,
          r.grade,
        ];
      }
      if (students.length < BATCH) return;
      const last = students[students.length - 1]!;
      after = { name: last.name, id: last.id };
    }
  }
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
