import { QueryTypes, type Sequelize } from 'sequelize';
import type { Queues } from '../../../common/queues';

/**
 * What an admin opens the panel for (README.md#admin-dashboard), in one SQL statement and one Redis
 * round trip: students per classroom, work waiting for a teacher, the grading queue and its failures
 * today, and the last 7 days' activity. Days are UTC.
 */
const DASHBOARD_SQL = `
WITH days AS (
  SELECT d::date AS day FROM generate_series(date_trunc('day', now()) - interval '6 days', date_trunc('day', now()), interval '1 day') d
),
logins AS (
  SELECT created_at::date AS day, count(*) AS n, count(DISTINCT user_id) AS users FROM audit_log
  WHERE type = 'login' AND created_at >= date_trunc('day', now()) - interval '6 days' GROUP BY 1
),
handed AS (
  SELECT submitted_at::date AS day, count(*) AS n FROM submissions
  WHERE submitted_at >= date_trunc('day', now()) - interval '6 days' GROUP BY 1
),
coded AS (
  SELECT created_at::date AS day, count(*) AS n FROM coding_submissions
  WHERE created_at >= date_trunc('day', now()) - interval '6 days' GROUP BY 1
)
SELECT json_build_object(
  'studentsByClassroom', (
    SELECT coalesce(json_agg(json_build_object('classroomId', c.id, 'name', c.name, 'academicYear', c.academic_year, 'students', c.students)
      ORDER BY c.academic_year DESC, c.name), '[]'::json)
    FROM (SELECT c.id, c.name, c.academic_year, count(u.id)::int AS students FROM classrooms c
          LEFT JOIN users u ON u.classroom_id = c.id AND u.role = 'student' AND u.deleted_at IS NULL
          WHERE c.archived_at IS NULL GROUP BY c.id) c),
  'studentsWithoutClassroom', (SELECT count(*)::int FROM users WHERE role = 'student' AND deleted_at IS NULL AND classroom_id IS NULL),
  'waitingForGrading', (
    SELECT count(*)::int FROM (
      SELECT DISTINCT ON (assignment_id, student_id) status FROM submissions ORDER BY assignment_id, student_id, attempt DESC
    ) latest WHERE status IN ('submitted', 'late')),
  'codingGradingFailedToday', (
    SELECT count(*)::int FROM coding_submissions WHERE status = 'failed' AND finished_at >= date_trunc('day', now())),
  'last7Days', (
    SELECT json_agg(json_build_object('date', days.day, 'logins', coalesce(l.n, 0)::int, 'activeUsers', coalesce(l.users, 0)::int,
                    'submissions', coalesce(h.n, 0)::int, 'codingSubmissions', coalesce(c.n, 0)::int) ORDER BY days.day)
    FROM days LEFT JOIN logins l ON l.day = days.day LEFT JOIN handed h ON h.day = days.day LEFT JOIN coded c ON c.day = days.day)
) AS dashboard
`;

export interface AdminDashboard {
  generatedAt: string;
  studentsByClassroom: { classroomId: string; name: string; academicYear: string; students: number }[];
  studentsWithoutClassroom: number;
  waitingForGrading: number;
  codingGradingFailedToday: number;
  gradingQueue: { waiting: number; active: number; delayed: number; failed: number };
  last7Days: { date: string; logins: number; activeUsers: number; submissions: number; codingSubmissions: number }[];
}

export async function adminDashboard(sequelize: Sequelize, queues: Pick<Queues, 'grading'>): Promise<AdminDashboard> {
  const [[row], counts] = await Promise.all([
    sequelize.query<{ dashboard: Omit<AdminDashboard, 'generatedAt' | 'gradingQueue'> }>(DASHBOARD_SQL, { type: QueryTypes.SELECT }),
    queues.grading.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
  ]);
  return {
    generatedAt: new Date().toISOString(),
    ...row!.dashboard,
    gradingQueue: {
      // BullMQ answers a count, 0 included, for every state it is asked about
      waiting: counts.waiting + counts.prioritized,
      active: counts.active,
      delayed: counts.delayed,
      failed: counts.failed,
    },
  };
}
