import crypto from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/**
 * Versioned cache keys for classroom analytics (README.md#admin-analytics). The version lives in
 * `analytics_versions` and is bumped by database triggers in the same transaction as the change
 * (a submission, a grade, an assignment, a student moving), whether the API or a worker made it. A key
 * names the version it was computed at, so after a change the next request misses and recomputes;
 * the old entry is never read again and expires on its TTL.
 */
export async function analyticsVersion(sequelize: Sequelize, classroomId: string, transaction?: Transaction): Promise<number> {
  const [row] = await sequelize.query<{ version: string }>('SELECT version FROM analytics_versions WHERE classroom_id = $1', {
    bind: [classroomId],
    type: QueryTypes.SELECT,
    transaction,
  });
  return row ? Number(row.version) : 0;
}

export function analyticsCacheKey(prefix: string, classroomId: string, version: number, params: Record<string, unknown>): string {
  const digest = crypto.createHash('sha256').update(JSON.stringify(params)).digest('base64url').slice(0, 16);
  return `${prefix}analytics:classroom:${classroomId}:v${version}:${digest}`;
}

/** For a change made outside the tracked tables (a repair script): the next request recomputes. */
export async function bumpAnalyticsVersion(sequelize: Sequelize, classroomId: string): Promise<void> {
  await sequelize.query('SELECT bump_analytics_versions(ARRAY[$1::uuid])', { bind: [classroomId] });
}
