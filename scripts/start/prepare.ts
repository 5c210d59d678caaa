import '../../common/require-node';
import nodeModule from 'node:module';
import { getConfigOrExit } from '../../common/config';
import { createLogger } from '../../common/logger';
import { createSequelize } from '../../common/db/sequelize';
import { createMigrator } from '../../common/db/migrator';
import { initModels } from '../../common/models';
import { hashDemoPassword, seedDemoSchool } from '../seed/index';

/** What this child tells `npm start` over IPC, in this order. */
export type PrepareMessage = { step: 'migrated'; applied: number } | { step: 'seeded'; seeded: boolean };

/**
 * `npm start`'s database step, run in a child of its own only when the supervisor found migrations
 * pending or no users: Sequelize, the models, umzug and the seed are ~900 modules and ~60 MB that the
 * supervisor would otherwise keep for as long as it runs. It says when the schema is current, so the
 * API and the worker start while the demo school is seeded (one transaction: they see all or nothing).
 */
const tell = (message: PrepareMessage) => new Promise<void>((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));

async function main() {
  const config = getConfigOrExit();
  const logger = createLogger(config, 'start');
  const sequelize = createSequelize(config);
  // bcrypt runs on libuv's thread pool: the demo password is hashed while the migrations wait on
  // PostgreSQL, not after them (wasted, ~50 ms of a thread at cost 10, when there is nothing to seed)
  const passwordHash = hashDemoPassword(config.auth.bcryptCost);
  passwordHash.catch(() => undefined); // a failure surfaces where the seed awaits it
  try {
    initModels(sequelize);
    const applied = await createMigrator(sequelize, logger).up();
    await tell({ step: 'migrated', applied: applied.length });
    const seeded = await seedDemoSchool(sequelize, { bcryptCost: config.auth.bcryptCost, passwordHash });
    await tell({ step: 'seeded', seeded });
  } finally {
    await sequelize.close();
    nodeModule.flushCompileCache(); // the next start that has to migrate compiles none of this again
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
