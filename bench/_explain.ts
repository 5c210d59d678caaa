import type { Options, Sequelize } from 'sequelize';
import { DashboardService } from '../api/learning/dashboard/service';
import { StudentAssignmentService } from '../api/learning/assignments/student-service';
import type { SubmissionLinks } from '../api/learning/submissions/links';

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the SQL behind the two student hot routes, for one student: the
 * statements are captured as the services run them (replacements inlined by Sequelize), then explained.
 */
export async function explainHotQueries(sequelize: Sequelize, studentId: string): Promise<Record<string, string>> {
  const options = (sequelize as unknown as { options: Options }).options;
  const capture = async (run: () => Promise<unknown>) => {
    const statements: string[] = [];
    const before = options.logging;
    options.logging = (sql: string) => void statements.push(sql.replace(/^Executing \(default\): /, ''));
    try {
      await run();
    } finally {
      options.logging = before;
    }
    return statements[0]!;
  };
  const links = { filesOf: async () => new Map() } as unknown as SubmissionLinks;
  const sql = {
    'GET /student/dashboard': await capture(() => new DashboardService(sequelize).read(studentId)),
    'GET /tutorial/assignments': await capture(() =>
      new StudentAssignmentService(sequelize, links).listPage(studentId, { page: 1, pageSize: 20, sort: 'dueAt' }),
    ),
  };
  const plans: Record<string, string> = {};
  for (const [route, statement] of Object.entries(sql)) {
    const [rows] = (await sequelize.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement}`)) as [{ 'QUERY PLAN': string }[], unknown];
    plans[route] = rows.map((r) => r['QUERY PLAN']).join('\n');
  }
  return plans;
}
