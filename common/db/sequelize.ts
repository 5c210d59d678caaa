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

function adminUrl(databaseUrl: string): { admin: string; database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  return { admin: url.toString(), database };
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Creates the database named in the URL when it does not exist yet (the quick start needs no manual step). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const { admin, database } = adminUrl(databaseUrl);
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } catch (err) {
      // another process created it in the meantime
      if ((err as { code?: string }).code !== '42P04') throw err;
    }
    return true;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { admin, database } = adminUrl(databaseUrl);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
