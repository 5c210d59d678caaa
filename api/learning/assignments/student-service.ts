import { QueryTypes, type Sequelize } from 'sequelize';
import { NotFoundError } from '../../../common/errors';
import { Assignment, Submission, SubmissionGrade } from '../../../common/models';
import { teaches, type Actor } from '../../access/classrooms';
import { limitOffset, type Pagination } from '../../../common/paging';
import { assignmentFromRow, assignmentView, submissionView } from '../views';
import type { SubmissionLinks } from '../submissions/links';
import { likeContains } from '../../../common/sql/like';

/** A student's own state on an assignment, derived from their newest attempt. */
export const STUDENT_STATES = ['pending', 'submitted', 'graded', 'overdue'] as const;
export type StudentState = (typeof STUDENT_STATES)[number];

export interface StudentAssignmentQuery extends Pagination {
  status?: StudentState;
  q?: string;
  sort: 'dueAt' | '-dueAt';
}

/**
 * The newest attempt of one student per assignment and the state it puts the assignment in:
 * graded (graded or returned), submitted (waiting for review), otherwise pending or, once the due
 * time has passed, overdue. A `needs_revision` attempt puts the work back to do.
 */
export const STUDENT_ASSIGNMENTS_SQL = `
  latest AS (
    SELECT DISTINCT ON (assignment_id) assignment_id, id, attempt, status, grade, submitted_at, days_late, graded_at, feedback
    FROM submissions WHERE student_id = :studentId
    ORDER BY assignment_id, attempt DESC
  ),
  mine AS (
    SELECT a.*, l.id AS latest_id, COALESCE(l.attempt, 0) AS attempts_used, l.status AS latest_status,
      l.grade AS latest_grade, l.submitted_at AS latest_submitted_at, l.days_late AS latest_days_late,
      l.graded_at AS latest_graded_at, l.feedback AS latest_feedback,
      CASE
        WHEN l.status IN ('graded', 'returned') THEN 'graded'
        WHEN l.status IN ('submitted', 'late') THEN 'submitted'
        WHEN a.due_at < :now THEN 'overdue'
        ELSE 'pending'
      END AS state
    FROM assignments a
    LEFT JOIN latest l ON l.assignment_id = a.id
    WHERE a.status = 'published'
      AND (a.classroom_id IS NULL OR a.classroom_id = (SELECT classroom_id FROM users WHERE id = :studentId))
  )`;

function mineView(r: Record<string, unknown>) {
  const attemptsUsed = r.attempts_used as number;
  const maxAttempts = r.max_attempts as number;
  return {
    state: r.state as StudentState,
    attemptsUsed,
    attemptsLeft: Math.max(0, maxAttempts - attemptsUsed),
    latestSubmissionId: (r.latest_id as string | null) ?? null,
    latestStatus: (r.latest_status as string | null) ?? null,
    submittedAt: (r.latest_submitted_at as Date | null) ?? null,
    grade: (r.latest_grade as number | null) ?? null,
  };
}

export class StudentAssignmentService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly links: SubmissionLinks,
  ) {}

  /**
   * Staff read one assignment in any status: a teacher those of the classrooms they teach and the
   * every-classroom ones, an admin all (the student view is `get`).
   */
  async getForStaff(actor: Actor, assignmentId: string) {
    const a = await Assignment.findByPk(assignmentId);
    if (!a) throw new NotFoundError('Assignment');
    if (actor.role === 'teacher' && a.classroomId !== null && !(await teaches(actor.id, a.classroomId))) {
      throw new NotFoundError('Assignment');
    }
    return assignmentView(a);
  }

  /** One query: the page, the student's state on each item, and the total. */
  async list(studentId: string, query: StudentAssignmentQuery, now = new Date()) {
    const { data, meta } = await this.listPage(studentId, query, now);
    return { data, meta };
  }

  /** `list`, and the next due time after which the page changes by itself (for the page cache). */
  async listPage(studentId: string, query: StudentAssignmentQuery, now = new Date()) {
    const { limit, offset } = limitOffset(query);
    const direction = query.sort === '-dueAt' ? 'DESC' : 'ASC';
    const rows = await this.sequelize.query<Record<string, unknown>>(
      `WITH ${STUDENT_ASSIGNMENTS_SQL},
      filtered AS (
        SELECT * FROM mine
        WHERE (CAST(:state AS text) IS NULL OR state = :state)
          AND (CAST(:q AS text) IS NULL OR title ILIKE :q OR description ILIKE :q)
      )
      SELECT t.total, t.turns_at, f.* FROM (
        SELECT count(*) AS total,
          (SELECT min(due_at) FROM assignments WHERE status = 'published' AND due_at > :now) AS turns_at
        FROM filtered) t
      LEFT JOIN LATERAL (
        SELECT * FROM filtered ORDER BY due_at ${direction}, id LIMIT :limit OFFSET :offset
      ) f ON true`,
      {
        replacements: {
          studentId,
          now,
          state: query.status ?? null,
          q: query.q ? likeContains(query.q) : null,
          limit,
          offset,
        },
        type: QueryTypes.SELECT,
      },
    );
    const total = (rows[0]?.total as number | undefined) ?? 0;
    const data = rows.filter((r) => r.id).map((r) => ({ ...assignmentView(assignmentFromRow(r)), mine: mineView(r) }));
    const turnsAt = (rows[0]?.turns_at as Date | null | undefined) ?? null;
    return { data, meta: { page: query.page, pageSize: query.pageSize, total }, turnsAt };
  }

  /** One published assignment the student may see, with every attempt they made at it. */
  async get(studentId: string, assignmentId: string, now = new Date()) {
    const rows = await this.sequelize.query<Record<string, unknown>>(`WITH ${STUDENT_ASSIGNMENTS_SQL} SELECT * FROM mine WHERE id = :assignmentId`, {
      replacements: { studentId, now, assignmentId },
      type: QueryTypes.SELECT,
    });
    const row = rows[0];
    if (!row) throw new NotFoundError('Assignment');
    const attempts = await Submission.findAll({
      where: { assignmentId, studentId },
      order: [
        ['attempt', 'DESC'],
        [{ model: SubmissionGrade, as: 'gradeHistory' }, 'gradedAt', 'ASC'],
      ],
      include: [{ model: SubmissionGrade, as: 'gradeHistory' }],
    });
    const files = await this.links.filesOf(attempts.map((s) => s.id));
    return {
      ...assignmentView(assignmentFromRow(row)),
      mine: mineView(row),
      submissions: attempts.map((s) =>
        submissionView(s, files.get(s.id) ?? [], {
          history: (s as Submission & { gradeHistory?: SubmissionGrade[] }).gradeHistory ?? [],
        }),
      ),
    };
  }
}
