import { ensureDatabase, createSequelize } from '../../common/db/sequelize';
import { createMigrator } from '../../common/db/migrator';
import { initModels } from '../../common/models';
import { startOwnPostgres, type OwnPostgres } from './services';
import { apiDeps, testConfig } from './deps';

/**
 * A PostgreSQL of the spec's own with the suite's schema migrated into it. Models are bound to the
 * last Sequelize made, so `release` binds them back to the suite's shared database for the specs
 * that run after.
 */
export async function startMigratedPostgres(): Promise<{ pg: OwnPostgres; url: string; release(): Promise<void> }> {
  apiDeps(); // the shared deps exist before the spec's own, so they never rebind the models later
  const pg = await startOwnPostgres();
  const url = `${pg.baseUrl}/gema_faults`;
  await ensureDatabase(url);
  const sequelize = createSequelize(testConfig({ DATABASE_URL: url }));
  try {
    await createMigrator(sequelize).up();
  } finally {
    await sequelize.close();
  }
  return {
    pg,
    url,
    async release() {
      initModels(apiDeps().sequelize);
      await pg.close();
    },
  };
}
