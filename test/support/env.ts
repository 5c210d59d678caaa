import crypto from 'node:crypto';
import path from 'node:path';

/**
 * The test suite's own corner of the real services: a fresh PostgreSQL database and a Redis key
 * prefix unique to this run, so parallel runs (and a developer's `npm start`) never meet.
 */
const runId = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const pgBase = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const root = path.resolve(__dirname, '..', '..');

export const TEST_RUN_ID = runId;

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  DATABASE_URL: `${pgBase}/gema_test_${runId}`,
  REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  REDIS_PREFIX: `gema_test_${runId}:`,
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  JWT_SECRET: crypto.randomBytes(32).toString('hex'),
  JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
  BCRYPT_COST: '4',
  // auth tests that are about limits set their own; everything else should never hit one
  RATE_LIMIT_MAX: '100000',
  AUTH_RATE_LIMIT_MAX: '100000',
  AUTH_EMAIL_RATE_LIMIT_MAX: '100000',
  RUN_RATE_LIMIT_MAX: '100000',
  AI_EVALUATE_RATE_LIMIT_MAX: '100000',
  PUBLIC_RATE_LIMIT_MAX: '100000',
  // tests read their own writes at once; test/public proves the in-memory copy
  PUBLIC_CACHE_SECONDS: '0',
  // the OpenAPI agreement test needs the development routes mounted; test/seed proves production has none
  SEED_ROUTES_ENABLED: 'true',
  CHAT_MESSAGE_RATE_LIMIT_MAX: '100000',
  JOB_BACKOFF_MS: '50',
  SHUTDOWN_TIMEOUT_MS: '5000',
  UPLOAD_DIR: path.join(root, 'var', 'test', runId, 'uploads'),
  MAIL_DIR: path.join(root, 'var', 'test', runId, 'mail'),
};

for (const [k, v] of Object.entries(TEST_ENV)) process.env[k] = v;
