import { QueryTypes, type Sequelize } from 'sequelize';
import { ForbiddenError, NotFoundError, UnprocessableError } from '../../../common/errors';
import { Assignment, Classroom, Submission, type AssignmentKind, type AssignmentStatus } from '../../../common/models';
import { limitOffset, type Pagination } from '../../../common/paging';
import { taughtClassroomIds, teaches, type Actor } from '../../access/classrooms';
import { assignmentFromRow, assignmentView } from '../views';
import { likeContains } from '../../../common/sql/like';
import type { Queues } from '../../../common/queues';
import { assignmentPublished } from '../../../common/notifications/triggers';

export interface AssignmentInput {
  title: string;
  description?: string;
  classroomId: string | null;
  kind: AssignmentKind;
  dueAt: Date;
  maxPoints: number;
  latePolicy?: { acceptLate?: boolean; penaltyPercentPerDay?: number; maxLateDays?: number | null };
  maxAttempts?: number;
  allowedFileTypes?: string[];
  maxFileBytes?: number;
  status?: AssignmentStatus;
}

export interface AdminAssignmentQuery extends Pagination {
  classroomId?: string;
  status?: AssignmentStatus;
  q?: string;
}

const COUNT_KEYS = ['submitted', 'late', 'graded', 'returned', 'needs_revision'] as const;

function toAttributes(input: Partial<AssignmentInput>) {
  const { latePolicy, ...rest } = input;
  return {
    ...rest,
    ...(latePolicy?.acceptLate !== undefined ? { acceptLate: latePolicy.acceptLate } : {}),
    ...(latePolicy?.penaltyPercentPerDay !== undefined ? { latePenaltyPercent: latePolicy.penaltyPercentPerDay } : {}),
    ...(latePolicy?.maxLateDays !== undefined ? { maxLateDays: latePolicy.maxLateDays } : {}),
  };
}

/**
 * Teachers manage the assignments of the classrooms they teach and read the every-classroom ones;
 * admins manage all. Counts are of each student's newest attempt, among the students the caller teaches.
 */
export class AdminAssignmentService {
  constructor(
    private readonly sequelize: Sequelize,
    /** for the `assignment.published` fan-out (README.md#notifications) */
    private readonly queues?: Queues,
  ) {}

  async list(actor: Actor, query: AdminAssignmentQuery) {
    const { limit, offset } = limitOffset(query);
    const taught = actor.role === 'admin' ? null : await taughtClassroomIds(actor.id);
    const rows = await this.sequelize.query<Record<string, unknown>>(
      `WITH visible AS (
        SELECT a.* FROM assignments a
        WHERE (CAST(:all AS boolean) OR a.classroom_id IS NULL OR a.classroom_id = ANY(CAST(:taught AS uuid[])))
          AND (CAST(:classroomId AS uuid) IS NULL OR a.classroom_id = :classroomId)
          AND (CAST(:status AS text) IS NULL OR a.status = :status)
          AND (CAST(:q AS text) IS NULL OR a.title ILIKE :q)
      ),
      page AS (SELECT * FROM visible ORDER BY due_at DESC, id LIMIT :limit OFFSET :offset),
      latest AS (
        SELECT DISTINCT ON (s.assignment_id, s.student_id) s.assignment_id, s.status
        FROM submissions s JOIN users u ON u.id = s.student_id
        WHERE s.assignment_id IN (SELECT id FROM page)
          AND (CAST(:all AS boolean) OR u.classroom_id = ANY(CAST(:taught AS uuid[])))
        ORDER BY s.assignment_id, s.student_id, s.attempt DESC
      ),
      counts AS (
        SELECT assignment_id, jsonb_object_agg(status, n) AS by_status
        FROM (SELECT assignment_id, status, count(*) AS n FROM latest GROUP BY 1, 2) c GROUP BY 1
      )
      SELECT t.total, p.*, counts.by_status FROM (SELECT count(*) AS total FROM visible) t
      LEFT JOIN page p ON true
      LEFT JOIN counts ON counts.assignment_id = p.id
      ORDER BY p.due_at DESC, p.id`,
      {
        replacements: {
          all: taught === null,
          taught: `{${(taught ?? []).join(',')}}`,
          classroomId: query.classroomId ?? null,
          status: query.status ?? null,
          q: query.q ? likeContains(query.q) : null,
          limit,
          offset,
        },
        type: QueryTypes.SELECT,
      },
    );
    const total = (rows[0]?.total as number | undefined) ?? 0;
    const data = rows
      .filter((r) => r.id)
      .map((r) => {
        const by = (r.by_status as Record<string, number> | null) ?? {};
        const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, by[k] ?? 0])) as Record<(typeof COUNT_KEYS)[number], number>;
        const totalSubmissions = COUNT_KEYS.reduce((n, k) => n + counts[k], 0);
        return { ...assignmentView(assignmentFromRow(r)), submissionCounts: { ...counts, total: totalSubmissions } };
      });
    return { data, meta: { page: query.page, pageSize: query.pageSize, total } };
  }

  async create(actor: Actor, input: AssignmentInput) {
    await this.checkClassroom(actor, input.classroomId);
    const { title, kind, dueAt, maxPoints } = input;
    const a = await Assignment.create({ ...toAttributes(input), title, kind, dueAt, maxPoints, createdBy: actor.id });
    if (a.status === 'published') await this.announce(a);
    return assignmentView(a);
  }

  async update(actor: Actor, id: string, change: Partial<AssignmentInput>) {
    const a = await this.loadManageable(actor, id);
    if (change.classroomId !== undefined && change.classroomId !== a.classroomId) await this.checkClassroom(actor, change.classroomId);
    const wasPublished = a.status === 'published';
    await a.update(toAttributes(change));
    if (!wasPublished && a.status === 'published') await this.announce(a);
    return assignmentView(a);
  }

  /** The assignment is saved whatever happens here: a queue that is away costs the students this notice only. */
  private async announce(a: Assignment) {
    if (!this.queues) return;
    await assignmentPublished(this.queues, a).catch(() => undefined);
  }

  /** Removes an assignment nobody has handed anything in for; otherwise archives it, keeping the work. */
  async remove(actor: Actor, id: string): Promise<{ archived: boolean; assignment?: ReturnType<typeof assignmentView> }> {
    const a = await this.loadManageable(actor, id);
    const handedIn = await Submission.count({ where: { assignmentId: a.id } });
    if (handedIn === 0) {
      await a.destroy();
      return { archived: false };
    }
    await a.update({ status: 'archived' });
    return { archived: true, assignment: assignmentView(a) };
  }

  private async loadManageable(actor: Actor, id: string): Promise<Assignment> {
    const a = await Assignment.findByPk(id);
    if (!a) throw new NotFoundError('Assignment');
    if (actor.role === 'admin') return a;
    if (a.classroomId === null) throw new ForbiddenError('Only an admin changes an assignment set for every classroom');
    if (!(await teaches(actor.id, a.classroomId))) throw new NotFoundError('Assignment');
    return a;
  }

  private async checkClassroom(actor: Actor, classroomId: string | null) {
    if (classroomId === null) {
      if (actor.role !== 'admin') throw new ForbiddenError('Only an admin sets an assignment for every classroom');
      return;
    }
    if (actor.role === 'teacher' && !(await teaches(actor.id, classroomId))) {
      throw new UnprocessableError('CLASSROOM_NOT_TAUGHT', 'You do not teach this classroom', { field: 'classroomId' });
    }
    if (!(await Classroom.findByPk(classroomId))) {
      throw new UnprocessableError('CLASSROOM_NOT_FOUND', 'No such classroom', { field: 'classroomId' });
    }
  }
}
