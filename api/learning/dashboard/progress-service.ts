import { QueryTypes, type Sequelize } from 'sequelize';
import { round2 } from '../../../common/learning/late-policy';
import { STUDENT_ASSIGNMENTS_SQL, type StudentState } from '../assignments/student-service';

interface Row {
  id: string;
  title: string;
  classroom_id: string | null;
  classroom_name: string | null;
  due_at: Date;
  max_points: number;
  state: StudentState;
  attempts_used: number;
  latest_submitted_at: Date | null;
  latest_days_late: number | null;
  latest_grade: number | null;
  latest_graded_at: Date | null;
  /** every attempt of the student's that carries a grade, in attempt order */
  attempt_grades: { attempt: number; grade: number; gradedAt: string | null }[];
}

export interface ProgressFigures {
  assignments: number;
  completed: number;
  completionRate: number;
  onTime: number;
  onTimeRate: number | null;
  averageGradePercent: number | null;
  missing: number;
}

export interface TrendPoint {
  date: Date;
  assignmentId: string;
  title: string;
  percent: number;
  runningAverage: number;
}

const percent = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 10 : 0);
const isDone = (r: Row) => r.state === 'submitted' || r.state === 'graded';
const gradePercent = (r: Row) => (r.latest_grade! / r.max_points) * 100;

/**
 * Rates over a set of assignments: completion = handed in (waiting or graded) / all published;
 * on time = handed in with no day late / handed in; average = mean of grade / max points over graded work.
 */
export function figures(rows: Row[]): ProgressFigures {
  const done = rows.filter(isDone);
  const onTime = done.filter((r) => (r.latest_days_late ?? 0) === 0);
  const graded = rows.filter((r) => r.state === 'graded' && r.latest_grade !== null);
  return {
    assignments: rows.length,
    completed: done.length,
    completionRate: percent(done.length, rows.length),
    onTime: onTime.length,
    onTimeRate: done.length ? percent(onTime.length, done.length) : null,
    averageGradePercent: graded.length ? round2(graded.reduce((n, r) => n + gradePercent(r), 0) / graded.length) : null,
    missing: rows.filter((r) => r.state === 'overdue').length,
  };
}

/** Grades in the order they were given, each with the running average: the points of a chart. */
export function trend(rows: Row[]): { points: TrendPoint[]; direction: 'up' | 'down' | 'flat' | null; slopePerGrade: number | null } {
  const graded = rows
    .filter((r) => r.state === 'graded' && r.latest_grade !== null && r.latest_graded_at)
    .sort((a, b) => a.latest_graded_at!.getTime() - b.latest_graded_at!.getTime() || a.id.localeCompare(b.id));
  let sum = 0;
  const points = graded.map((r, i) => {
    const p = round2(gradePercent(r));
    sum += p;
    return { date: r.latest_graded_at!, assignmentId: r.id, title: r.title, percent: p, runningAverage: round2(sum / (i + 1)) };
  });
  if (points.length < 2) return { points, direction: null, slopePerGrade: null };
  // least-squares slope of percent over the grade's position: points per grade, up or down
  const n = points.length;
  const meanX = (n - 1) / 2;
  const meanY = points.reduce((s, p) => s + p.percent, 0) / n;
  let num = 0;
  let den = 0;
  points.forEach((p, x) => {
    num += (x - meanX) * (p.percent - meanY);
    den += (x - meanX) ** 2;
  });
  const slope = round2(num / den);
  return { points, direction: slope > 0.5 ? 'up' : slope < -0.5 ? 'down' : 'flat', slopePerGrade: slope };
}

export class ProgressService {
  constructor(private readonly sequelize: Sequelize) {}

  /** One query for the rows; the rates are worked out from them here. */
  async forStudent(studentId: string, now = new Date()) {
    const rows = await this.sequelize.query<Row>(
      `WITH ${STUDENT_ASSIGNMENTS_SQL}
       SELECT mine.id, mine.title, mine.classroom_id, c.name AS classroom_name, mine.due_at, mine.max_points, mine.state,
         mine.attempts_used, mine.latest_submitted_at, mine.latest_days_late, mine.latest_grade, mine.latest_graded_at,
         (SELECT COALESCE(json_agg(json_build_object('attempt', s.attempt, 'grade', s.grade, 'gradedAt', s.graded_at) ORDER BY s.attempt), '[]')
            FROM submissions s WHERE s.assignment_id = mine.id AND s.student_id = :studentId AND s.grade IS NOT NULL) AS attempt_grades
       FROM mine LEFT JOIN classrooms c ON c.id = mine.classroom_id
       ORDER BY mine.due_at, mine.id`,
      { replacements: { studentId, now }, type: QueryTypes.SELECT },
    );
    const groups = new Map<string, Row[]>();
    for (const r of rows) {
      const key = r.classroom_id ?? 'all';
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return {
      overall: figures(rows),
      trend: trend(rows),
      byClassroom: [...groups.values()].map((list) => ({
        classroomId: list[0]!.classroom_id,
        classroomName: list[0]!.classroom_name ?? 'All classrooms',
        ...figures(list),
        trend: trend(list),
      })),
      byAssignment: rows.map((r) => ({
        assignmentId: r.id,
        title: r.title,
        classroomId: r.classroom_id,
        dueAt: r.due_at,
        state: r.state,
        attemptsUsed: r.attempts_used,
        submittedAt: r.latest_submitted_at,
        onTime: isDone(r) ? (r.latest_days_late ?? 0) === 0 : null,
        daysLate: isDone(r) ? (r.latest_days_late ?? 0) : null,
        grade: r.latest_grade,
        maxPoints: r.max_points,
        gradePercent: r.state === 'graded' && r.latest_grade !== null ? round2(gradePercent(r)) : null,
        // this assignment's own trend: how the grade moved from attempt to attempt
        attemptGrades: r.attempt_grades.map((g) => ({
          attempt: g.attempt,
          gradedAt: g.gradedAt,
          grade: g.grade,
          percent: round2((g.grade / r.max_points) * 100),
        })),
      })),
      missing: rows
        .filter((r) => r.state === 'overdue')
        .map((r) => ({ assignmentId: r.id, title: r.title, dueAt: r.due_at, classroomId: r.classroom_id })),
    };
  }
}
