import { QueryTypes, type Sequelize } from 'sequelize';
import { round2 } from '../../../common/learning/late-policy';
import { STUDENT_ASSIGNMENTS_SQL } from '../assignments/student-service';

export interface Dashboard {
  counts: { pending: number; submitted: number; graded: number; overdue: number; total: number };
  nextDeadlines: { assignmentId: string; title: string; kind: string; dueAt: string; maxPoints: number; attemptsUsed: number }[];
  latestGrades: {
    assignmentId: string;
    submissionId: string;
    title: string;
    grade: number;
    maxPoints: number;
    feedback: string | null;
    gradedAt: string;
  }[];
  completionPercent: number;
  averageGradePercent: number | null;
  codingLab: { available: boolean; solved: number };
  notifications: { available: boolean; unread: number };
}

/**
 * Everything on a student's home screen in ONE SQL statement: the per-assignment state is worked
 * out once in a CTE and each figure is a subquery over it.
 */
export class DashboardService {
  constructor(private readonly sequelize: Sequelize) {}

  async forStudent(studentId: string, now = new Date()): Promise<Dashboard> {
    return (await this.read(studentId, now)).dashboard;
  }

  /** The dashboard and the next due time after which it changes by itself (for the page cache). */
  async read(studentId: string, now = new Date()): Promise<{ dashboard: Dashboard; turnsAt: Date | null }> {
    const [row] = await this.sequelize.query<{
      counts: Dashboard['counts'] & { done: number; average: number | null };
      deadlines: Dashboard['nextDeadlines'];
      grades: Dashboard['latestGrades'];
      coding_solved: number;
      unread_notifications: number;
      turns_at: Date | null;
    }>(
      `WITH ${STUDENT_ASSIGNMENTS_SQL}
      SELECT
        (SELECT json_build_object(
            'pending', count(*) FILTER (WHERE state = 'pending'),
            'submitted', count(*) FILTER (WHERE state = 'submitted'),
            'graded', count(*) FILTER (WHERE state = 'graded'),
            'overdue', count(*) FILTER (WHERE state = 'overdue'),
            'total', count(*),
            'done', count(*) FILTER (WHERE state IN ('submitted', 'graded')),
            'average', avg(latest_grade / max_points * 100) FILTER (WHERE state = 'graded' AND latest_grade IS NOT NULL)
          ) FROM mine) AS counts,
        (SELECT COALESCE(json_agg(d), '[]') FROM (
            SELECT id AS "assignmentId", title, kind, due_at AS "dueAt", max_points AS "maxPoints", attempts_used AS "attemptsUsed"
            FROM mine WHERE state = 'pending' ORDER BY due_at, id LIMIT 5) d) AS deadlines,
        (SELECT COALESCE(json_agg(g), '[]') FROM (
            SELECT id AS "assignmentId", latest_id AS "submissionId", title, latest_grade AS grade, max_points AS "maxPoints",
              latest_feedback AS feedback, latest_graded_at AS "gradedAt"
            FROM mine WHERE state = 'graded' AND latest_grade IS NOT NULL
            ORDER BY latest_graded_at DESC, id LIMIT 5) g) AS grades,
        (SELECT count(DISTINCT task_id) FROM coding_submissions
          WHERE user_id = :studentId AND verdict = 'accepted') AS coding_solved,
        (SELECT count(*) FROM notifications WHERE user_id = :studentId AND read_at IS NULL) AS unread_notifications,
        (SELECT min(due_at) FROM assignments WHERE status = 'published' AND due_at > :now) AS turns_at`,
      { replacements: { studentId, now }, type: QueryTypes.SELECT },
    );
    const c = row!.counts;
    const dashboard: Dashboard = {
      counts: { pending: c.pending, submitted: c.submitted, graded: c.graded, overdue: c.overdue, total: c.total },
      nextDeadlines: row!.deadlines,
      latestGrades: row!.grades,
      completionPercent: c.total ? Math.round((c.done / c.total) * 1000) / 10 : 0,
      averageGradePercent: c.average === null ? null : round2(c.average),
      codingLab: { available: true, solved: Number(row!.coding_solved) },
      notifications: { available: true, unread: Number(row!.unread_notifications) },
    };
    return { dashboard, turnsAt: row!.turns_at };
  }
}
