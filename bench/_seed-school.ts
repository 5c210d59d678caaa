import crypto from 'node:crypto';
import bcrypt from 'bcrypt';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import { User } from '../common/models';
import { AccessTokens } from '../api/auth/tokens';

/**
 * A real-sized school for the benches (the demo seed stays small): 30 classrooms of ~33 students
 * (1,000), 200 published assignments (5 per classroom and 50 for every classroom, so each student
 * sees 55), 50 submissions per student (50,000, four in five graded with feedback), 20 coding tasks
 * and 20 coding submissions per student (20,000, a third accepted), and 3 unread notifications each.
 * Built in SQL with generate_series: about 10 s on a quiet machine. Returns the student whose pages
 * the benches read (a mid-sized classroom, work in every state).
 */
export const SCHOOL = { classrooms: 30, students: 1000, assignments: 200, submissions: 50_000, codingSubmissions: 20_000 };
export const SCHOOL_PASSWORD = 'bench-password-1';

export async function seedSchool(sequelize: Sequelize): Promise<{ studentId: string; email: string }> {
  const hash = await bcrypt.hash(SCHOOL_PASSWORD, 4);
  const q = (sql: string, replacements: Record<string, unknown> = {}) => sequelize.query(sql, { replacements });
  await q(`
    INSERT INTO classrooms (name, academic_year)
    SELECT 'Class ' || i, '2026/2027' FROM generate_series(1, ${SCHOOL.classrooms}) i`);
  await q(
    `INSERT INTO users (email, name, role, password_hash, email_verified_at, classroom_id)
     SELECT 'student' || i || '@school.bench', 'Student ' || i, 'student', :hash, now(),
            (SELECT id FROM classrooms ORDER BY name OFFSET (i % ${SCHOOL.classrooms}) LIMIT 1)
     FROM generate_series(1, ${SCHOOL.students}) i`,
    { hash },
  );
  await q(
    `INSERT INTO users (email, name, role, password_hash, email_verified_at)
     SELECT 'teacher' || i || '@school.bench', 'Teacher ' || i, 'teacher', :hash, now() FROM generate_series(1, 10) i`,
    { hash },
  );
  await q(`
    INSERT INTO classroom_teachers (classroom_id, teacher_id)
    SELECT c.id, t.id FROM (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM classrooms) c
    JOIN (SELECT id, row_number() OVER (ORDER BY email) - 1 AS n FROM users WHERE role = 'teacher') t ON t.n = c.n % 10`);
  // due dates from 60 days ago to 40 days ahead: past work graded or overdue, future work pending
  await q(`
    INSERT INTO assignments (title, description, kind, due_at, max_points, status, classroom_id)
    SELECT 'Assignment ' || i || ' of ' || c.name, 'Write a program that does part ' || i || ' of the unit, with tests and a short report.',
           'text', now() + ((i * 20 - 60) || ' days')::interval + (c.n || ' hours')::interval, 100, 'published', c.id
    FROM (SELECT id, name, row_number() OVER (ORDER BY name) AS n FROM classrooms) c, generate_series(1, 5) i`);
  await q(`
    INSERT INTO assignments (title, description, kind, due_at, max_points, status, classroom_id)
    SELECT 'School-wide task ' || i, 'A task set for every classroom: read, practise and hand in a short answer.',
           'text', now() + ((i * 2 - 60) || ' days')::interval, 100, 'published', NULL
    FROM generate_series(1, 50) i`);
  // each student hands in the 50 earliest-due of the 55 assignments they see
  await q(`
    INSERT INTO submissions (assignment_id, student_id, attempt, status, content, submitted_at, grade, raw_grade, feedback, graded_at)
    SELECT a.id, s.id, 1,
           CASE WHEN (hashtext(s.id::text || a.id::text) & 7) < 6 THEN 'graded' ELSE 'submitted' END,
           'my answer', a.due_at - interval '1 day',
           CASE WHEN (hashtext(s.id::text || a.id::text) & 7) < 6 THEN 50 + (hashtext(a.id::text || s.id::text) & 31) END,
           CASE WHEN (hashtext(s.id::text || a.id::text) & 7) < 6 THEN 50 + (hashtext(a.id::text || s.id::text) & 31) END,
           CASE WHEN (hashtext(s.id::text || a.id::text) & 7) < 6 THEN 'Good work; check the edge cases.' END,
           CASE WHEN (hashtext(s.id::text || a.id::text) & 7) < 6 THEN a.due_at + interval '2 days' END
    FROM users s
    CROSS JOIN LATERAL (
      SELECT id, due_at FROM assignments a
      WHERE a.status = 'published' AND (a.classroom_id IS NULL OR a.classroom_id = s.classroom_id)
      ORDER BY due_at LIMIT 50) a
    WHERE s.role = 'student'`);
  await q(`
    INSERT INTO coding_tasks (slug, title, description, languages, published)
    SELECT 'bench-task-' || i, 'Bench task ' || i, 'Print the answer.', ARRAY['python', 'javascript'], true
    FROM generate_series(1, 20) i`);
  await q(`
    INSERT INTO coding_submissions (task_id, user_id, classroom_id, language, files, attempt, status, verdict, score, max_score, finished_at)
    SELECT t.id, s.id, s.classroom_id, 'python', '[{"name":"main.py","content":"print(1)"}]'::jsonb, 1, 'completed',
           CASE WHEN (hashtext(s.id::text || t.id::text) % 3) = 0 THEN 'accepted' ELSE 'wrong_answer' END, 0, 10, now()
    FROM users s CROSS JOIN coding_tasks t WHERE s.role = 'student'`);
  await q(`
    INSERT INTO notifications (user_id, type, title)
    SELECT s.id, 'announcement', 'Notice ' || i FROM users s, generate_series(1, 3) i WHERE s.role = 'student'`);
  await q('ANALYZE');
  const [student] = await sequelize.query<{ id: string; email: string }>(`SELECT id, email FROM users WHERE email = 'student500@school.bench'`, {
    type: QueryTypes.SELECT,
  });
  return { studentId: student!.id, email: student!.email };
}

/** `Authorization` values of the school's first `count` students by email, one signed access token each (models initialised). */
export async function readerBearers(config: Config, count: number): Promise<string[]> {
  const readers = await User.findAll({ where: { role: 'student' }, order: [['email', 'ASC']], limit: count });
  const tokens = new AccessTokens(config);
  return readers.map((u) => `Bearer ${tokens.sign({ id: u.id, role: u.role, email: u.email, name: u.name }, crypto.randomUUID()).token}`);
}
