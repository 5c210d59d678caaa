import type { Redis } from 'ioredis';
import { QueryTypes, type Sequelize } from 'sequelize';
import { NotFoundError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import { analyticsCacheKey, analyticsVersion } from '../../../common/analytics/cache-keys';
import { teaches, type Actor } from '../../access/classrooms';
import { CLASSROOM_ANALYTICS_SQL } from './sql';
import type { AnalyticsQuery } from './schemas';

/** A falling trend: the last three graded assignments average this many points (of 100) below the three before. */
export const TREND_DROP_POINTS = 15;

export interface ClassroomAnalytics {
  classroomId: string;
  from: string | null;
  to: string | null;
  generatedAt: string;
  /** the version of the classroom's data the figures were computed at */
  version: number;
  students: number;
  activeStudents7d: number;
  summary: Record<string, unknown>;
  assignments: Record<string, unknown>[];
  codingLab: Record<string, unknown>[];
  atRisk: Record<string, unknown>[];
}

export interface AnalyticsDeps {
  sequelize: Sequelize;
  redis: Redis;
  logger: Logger;
  redisPrefix: string;
  cacheTtlSeconds: number;
}

/**
 * Classroom analytics (README.md#admin-analytics): computed by one SQL statement, cached in Redis
 * under a key that names the classroom's data version, so any change recomputes.
 */
export class AnalyticsService {
  constructor(private readonly d: AnalyticsDeps) {}

  async classroom(actor: Actor, query: AnalyticsQuery, now = new Date()): Promise<{ analytics: ClassroomAnalytics; cached: boolean }> {
    const [exists] = await this.d.sequelize.query('SELECT 1 FROM classrooms WHERE id = $1', { bind: [query.classroomId], type: QueryTypes.SELECT });
    if (!exists || (actor.role !== 'admin' && !(await teaches(actor.id, query.classroomId)))) throw new NotFoundError('Classroom');

    const version = await analyticsVersion(this.d.sequelize, query.classroomId);
    const params = { from: query.from?.toISOString() ?? null, to: query.to?.toISOString() ?? null, n: query.riskMissing, m: query.riskWindow };
    const key = analyticsCacheKey(this.d.redisPrefix, query.classroomId, version, params);
    if (this.d.cacheTtlSeconds > 0) {
      const hit = await this.read(key);
      if (hit) return { analytics: hit, cached: true };
    }
    const analytics = await this.compute(query, version, now);
    if (this.d.cacheTtlSeconds > 0) {
      await this.d.redis
        .set(key, JSON.stringify(analytics), 'EX', this.d.cacheTtlSeconds)
        .catch((err: Error) => this.d.logger.warn('analytics not cached', { error: err.message }));
    }
    return { analytics, cached: false };
  }

  async compute(query: AnalyticsQuery, version: number, now = new Date()): Promise<ClassroomAnalytics> {
    const [row] = await this.d.sequelize.query<{ analytics: Omit<ClassroomAnalytics, 'classroomId' | 'from' | 'to' | 'generatedAt' | 'version'> }>(
      CLASSROOM_ANALYTICS_SQL,
      {
        bind: [query.classroomId, query.from ?? null, query.to ?? null, query.riskMissing, query.riskWindow, TREND_DROP_POINTS, now],
        type: QueryTypes.SELECT,
      },
    );
    return {
      classroomId: query.classroomId,
      from: query.from?.toISOString() ?? null,
      to: query.to?.toISOString() ?? null,
      generatedAt: now.toISOString(),
      version,
      ...row!.analytics,
    };
  }

  /** A cache that is down or holds garbage is a miss, never an error. */
  private async read(key: string): Promise<ClassroomAnalytics | null> {
    try {
      const raw = await this.d.redis.get(key);
      return raw ? (JSON.parse(raw) as ClassroomAnalytics) : null;
    } catch (err) {
      this.d.logger.warn('analytics cache unreadable', { error: (err as Error).message });
      return null;
    }
  }
}
