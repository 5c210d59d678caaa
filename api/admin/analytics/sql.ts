/**
 * Every figure of a classroom's analytics in one statement (README.md#admin-analytics): the database
 * aggregates (percentile_cont, FILTER, width buckets, window functions) and hands back one JSON
 * document; nothing is counted in JavaScript. Binds: $1 classroom, $2 from, $3 to, $4 at-risk missing
 * count, $5 at-risk window, $6 trend drop in points, $7 now.
 */

const HISTOGRAM_BUCKETS = 10;

/** `ARRAY[count of grades in 0–10 %, …, 90–100 %]` over `pct` (a percentage, 100 lands in the last bucket). */
function histogram(pct: string): string {
  const buckets = Array.from(
    { length: HISTOGRAM_BUCKETS },
    (_, i) => `count(*) FILTER (WHERE ${pct} IS NOT NULL AND least(floor(${pct} / 10), ${HISTOGRAM_BUCKETS - 1}) = ${i})::int`,
  );
  return `ARRAY[${buckets.join(', ')}]`;
}

const r2 = (expr: string) => `round((${expr})::numeric, 2)::float8`;

function stats(value: string): string {
  return `json_build_object(
    'count', count(${value})::int,
    'min', ${r2(`min(${value})`)},
    'q1', ${r2(`percentile_cont(0.25) WITHIN GROUP (ORDER BY ${value})`)},
    'median', ${r2(`percentile_cont(0.5) WITHIN GROUP (ORDER BY ${value})`)},
    'q3', ${r2(`percentile_cont(0.75) WITHIN GROUP (ORDER BY ${value})`)},
    'mean', ${r2(`avg(${value})`)},
    'max', ${r2(`max(${value})`)})`;
}

export const CLASSROOM_ANALYTICS_SQL = `
WITH st AS MATERIALIZED (
  SELECT id, name, student_number, last_login_at FROM users
  WHERE classroom_id = $1 AND role = 'student' AND deleted_at IS NULL
),
a AS MATERIALIZED (
  SELECT id, title, due_at, max_points FROM assignments
  WHERE (classroom_id = $1 OR classroom_id IS NULL) AND status <> 'draft'
    AND ($2::timestamptz IS NULL OR due_at >= $2) AND ($3::timestamptz IS NULL OR due_at < $3)
),
latest AS MATERIALIZED (
  SELECT DISTINCT ON (s.assignment_id, s.student_id) s.assignment_id, s.student_id, s.days_late, s.grade,
         s.grade * 100.0 / a.max_points AS pct, a.due_at
  FROM submissions s JOIN st ON st.id = s.student_id JOIN a ON a.id = s.assignment_id
  ORDER BY s.assignment_id, s.student_id, s.attempt DESC
),
n AS (SELECT count(*)::int AS students FROM st),
per_assignment AS (
  SELECT a.id, a.title, a.due_at, a.max_points,
         count(l.student_id)::int AS submitted,
         count(*) FILTER (WHERE l.days_late = 0)::int AS on_time,
         count(*) FILTER (WHERE l.days_late > 0)::int AS late,
         (CASE WHEN a.due_at <= $7 THEN (SELECT students FROM n) - count(l.student_id) ELSE 0 END)::int AS missing,
         ${stats('l.grade')} AS grades,
         ${histogram('l.pct')} AS histogram
  FROM a LEFT JOIN latest l ON l.assignment_id = a.id
  GROUP BY a.id, a.title, a.due_at, a.max_points
),
overall AS (
  SELECT ${stats('l.pct')} AS grades, ${histogram('l.pct')} AS histogram FROM latest l
),
cs AS MATERIALIZED (
  SELECT c.task_id, c.user_id, c.verdict, c.results FROM coding_submissions c JOIN st ON st.id = c.user_id
  WHERE c.status = 'completed' AND ($2::timestamptz IS NULL OR c.created_at >= $2) AND ($3::timestamptz IS NULL OR c.created_at < $3)
),
failing AS (
  SELECT DISTINCT ON (cs.task_id) cs.task_id, r.test->>'name' AS test, count(*)::int AS failures
  FROM cs CROSS JOIN LATERAL jsonb_array_elements(cs.results) AS r(test)
  WHERE r.test->>'verdict' NOT IN ('accepted', 'skipped')
  GROUP BY cs.task_id, r.test->>'name'
  ORDER BY cs.task_id, count(*) DESC, r.test->>'name'
),
coding AS (
  SELECT t.id, t.title,
         count(*)::int AS submissions,
         count(DISTINCT cs.user_id)::int AS students,
         count(DISTINCT cs.user_id) FILTER (WHERE cs.verdict = 'accepted')::int AS passed
  FROM cs JOIN coding_tasks t ON t.id = cs.task_id
  GROUP BY t.id, t.title
),
recent AS (
  SELECT id FROM a WHERE due_at <= $7 ORDER BY due_at DESC, id LIMIT $5
),
missed AS (
  SELECT st.id AS student_id, count(*) FILTER (WHERE l.student_id IS NULL)::int AS missing, count(*)::int AS of
  FROM st CROSS JOIN recent r LEFT JOIN latest l ON l.assignment_id = r.id AND l.student_id = st.id
  GROUP BY st.id
),
ranked AS (
  SELECT student_id, pct, row_number() OVER (PARTITION BY student_id ORDER BY due_at DESC) AS rn
  FROM latest WHERE pct IS NOT NULL
),
trend AS (
  SELECT student_id,
         avg(pct) FILTER (WHERE rn <= 3) AS recent_avg,
         avg(pct) FILTER (WHERE rn BETWEEN 4 AND 6) AS earlier_avg,
         count(*) FILTER (WHERE rn BETWEEN 4 AND 6) AS earlier_n
  FROM ranked GROUP BY student_id
),
risk AS (
  SELECT st.id, st.name, st.student_number,
         coalesce(m.missing, 0) AS missing, coalesce(m.of, 0) AS of,
         ${r2('t.recent_avg')} AS recent_avg, ${r2('t.earlier_avg')} AS earlier_avg,
         coalesce(m.missing, 0) >= $4 AS missing_flag,
         coalesce(t.earlier_n = 3 AND t.earlier_avg - t.recent_avg >= $6, false) AS falling_flag
  FROM st LEFT JOIN missed m ON m.student_id = st.id LEFT JOIN trend t ON t.student_id = st.id
)
SELECT json_build_object(
  'students', (SELECT students FROM n),
  'activeStudents7d', (
    SELECT count(*)::int FROM st WHERE st.last_login_at >= $7::timestamptz - interval '7 days'
      OR EXISTS (SELECT 1 FROM submissions s WHERE s.student_id = st.id AND s.submitted_at >= $7::timestamptz - interval '7 days')
      OR EXISTS (SELECT 1 FROM coding_submissions c WHERE c.user_id = st.id AND c.created_at >= $7::timestamptz - interval '7 days')),
  'summary', (
    SELECT json_build_object(
      'assignments', count(*)::int,
      'submitted', coalesce(sum(submitted), 0)::int,
      'onTime', coalesce(sum(on_time), 0)::int,
      'late', coalesce(sum(late), 0)::int,
      'missing', coalesce(sum(missing), 0)::int,
      'submissionRate', CASE WHEN count(*) = 0 OR (SELECT students FROM n) = 0 THEN NULL
                             ELSE ${r2('sum(submitted)::float8 / (count(*) * (SELECT students FROM n))')} END,
      'gradePercent', (SELECT grades FROM overall),
      'histogram', (SELECT histogram FROM overall))
    FROM per_assignment),
  'assignments', (
    SELECT coalesce(json_agg(json_build_object(
      'id', id, 'title', title, 'dueAt', due_at, 'maxPoints', max_points,
      'submitted', submitted, 'onTime', on_time, 'late', late, 'missing', missing,
      'submissionRate', CASE WHEN (SELECT students FROM n) = 0 THEN NULL ELSE ${r2('submitted::float8 / (SELECT students FROM n)')} END,
      'grades', grades, 'histogram', histogram) ORDER BY due_at, id), '[]'::json)
    FROM per_assignment),
  'codingLab', (
    SELECT coalesce(json_agg(json_build_object(
      'taskId', c.id, 'title', c.title, 'submissions', c.submissions, 'students', c.students, 'passed', c.passed,
      'passRate', ${r2('c.passed::float8 / c.students')},
      'mostFailedTest', CASE WHEN f.test IS NULL THEN NULL ELSE json_build_object('name', f.test, 'failures', f.failures) END)
      ORDER BY c.title, c.id), '[]'::json)
    FROM coding c LEFT JOIN failing f ON f.task_id = c.id),
  'atRisk', (
    SELECT coalesce(json_agg(json_build_object(
      'studentId', id, 'name', name, 'nis', student_number, 'missing', missing, 'ofLast', of,
      'recentPercent', recent_avg, 'earlierPercent', earlier_avg,
      'reasons', array_remove(ARRAY[CASE WHEN missing_flag THEN 'missing' END, CASE WHEN falling_flag THEN 'falling' END], NULL))
      ORDER BY missing DESC, name, id), '[]'::json)
    FROM risk WHERE missing_flag OR falling_flag)
) AS analytics
`;
