import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { TEST_ENV, TEST_RUN_ID } from './support/env';
import { ensureDatabase, dropDatabase, createSequelize } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { getConfig } from '../common/config';
import request from 'supertest';
import { app, closeAllDeps } from './support/deps';
import { contractStats, useServedDocument } from './support/response-contract';
import type { OpenApiDocument } from '../api/openapi/document';

/**
 * Root hooks: the run gets its own database, migrated once, and its own Redis prefix; both are
 * removed when the run ends, whatever the outcome.
 */
export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    await ensureDatabase(TEST_ENV.DATABASE_URL!);
    const sequelize = createSequelize(getConfig());
    await createMigrator(sequelize).up();
    await sequelize.close();
    // every response a spec receives is held to the document the app serves (test/support/response-contract.ts)
    useServedDocument((await request(app()).get('/api/v2/openapi.json').expect(200)).body as OpenApiDocument);
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    const checked = contractStats();
    if (checked.checked) console.log(`  OpenAPI contract: ${checked.checked} responses checked, ${checked.operations} operations reached`);
    await closeAllDeps();
    await dropDatabase(TEST_ENV.DATABASE_URL!);
    const redis = new Redis(TEST_ENV.REDIS_URL!);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${TEST_ENV.REDIS_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
    fs.rmSync(path.join(__dirname, '..', 'var', 'test', TEST_RUN_ID), { recursive: true, force: true });
  },
};
