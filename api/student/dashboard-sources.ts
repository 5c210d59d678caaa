import { QueryTypes, type Sequelize } from 'sequelize';

/**
 * Figures the dashboard shows from other features' tables, which may not exist in a given
 * deployment. Each source is an SQL scalar subquery on `:studentId`, or null when its table is
 * absent; the check against information_schema runs once per process.
 */
export interface DashboardSources {
  codingSolvedSql: string | null;
  unreadNotificationsSql: string | null;
}

export function detectDashboardSources(sequelize: Sequelize): () => Promise<DashboardSources> {
  let found: Promise<DashboardSources> | undefined;
  return () => {
    found ??= (async () => {
      const cols = await sequelize.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name IN ('coding_submissions', 'notifications')`,
        { type: QueryTypes.SELECT },
      );
      const has = (t: string, c: string) => cols.some((r) => r.table_name === t && r.column_name === c);
      const studentCol = ['student_id', 'user_id'].find((c) => has('coding_submissions', c));
      const codingSolvedSql =
        studentCol && has('coding_submissions', 'task_id') && has('coding_submissions', 'verdict')
          ? `(SELECT count(DISTINCT task_id) FROM coding_submissions WHERE ${studentCol} = :studentId AND verdict = 'accepted')`
          : null;
      const unreadNotificationsSql =
        has('notifications', 'user_id') && has('notifications', 'read_at')
          ? '(SELECT count(*) FROM notifications WHERE user_id = :studentId AND read_at IS NULL)'
          : null;
      return { codingSolvedSql, unreadNotificationsSql };
    })().catch((err: unknown) => {
      found = undefined;
      throw err;
    });
    return found;
  };
}
