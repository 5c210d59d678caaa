/**
 * Loaded by `npm run test:unit` (test/unit/.mocharc.json) in place of test/setup.ts: no database is
 * created and no Redis prefix is claimed. PostgreSQL and Redis are pointed at a port where nothing
 * listens, so a unit test that reached for either fails here rather than passing on a developer's
 * machine that happens to run them. Under `npm test` these files run with test/setup.ts instead.
 */
const NOWHERE = '127.0.0.1:1';

process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL ??= 'silent';
process.env.DATABASE_URL = `postgres://postgres@${NOWHERE}/unit_tests_use_no_database`;
process.env.REDIS_URL = `redis://${NOWHERE}/0`;
