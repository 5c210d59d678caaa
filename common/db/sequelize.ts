import { Sequelize } from 'sequelize';
import pg from 'pg';
import type { Config } from '../config';
import type { Logger } from '../logger';

// Timestamps travel as UTC and BIGINT counts as numbers (they never exceed 2^53 here).
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

export function createSequelize(config: Pick<Config, 'db'>, logger?: Logger): Sequelize {
  return new Sequelize(config.db.url, {
    dialect: 'postgres',
    dialectModule: pg,
    logging: config.db.logSql && logger ? (sql: string) => logger.debug(sql) : false,
    timezone: '+00:00',
    pool: { max: config.db.poolMax, min: 0, idle: 10_000, acquire: 10_000 },
    dialectOptions: {
      // an unreachable server becomes a 503 after this, not a request hung on the OS's TCP timeout
      // (README.md#when-postgresql-or-redis-is-away)
      connectionTimeoutMillis: config.db.connectTimeoutMs,
      ...(config.db.ssl ? { ssl: { rejectUnauthorized: false } } : {}),
    },
    define: { underscored: true, timestamps: true },
  });
}

// kept here for the callers that already import them; database.ts needs only pg (npm start's supervisor)
export { ensureDatabase, dropDatabase } from './database';
