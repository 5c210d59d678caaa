import '../common/require-node';
import { getConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';

/** `migrate up` (all pending), `migrate down` (the last one), `migrate status`. */
async function main() {
  const [command = 'up'] = process.argv.slice(2);
  const config = getConfigOrExit();
  const logger = createLogger({ log: { ...config.log, level: config.log.level === 'silent' ? 'silent' : 'info' } }, 'migrate');
  await ensureDatabase(config.db.url, { ssl: config.db.ssl });
  const sequelize = createSequelize(config);
  const migrator = createMigrator(sequelize, logger);
  try {
    if (command === 'up') {
      const done = await migrator.up();
      logger.info(`applied ${done.length} migration(s)`, { migrations: done.map((m) => m.name) });
    } else if (command === 'down') {
      const undone = await migrator.down();
      logger.info(`reverted ${undone.length} migration(s)`, { migrations: undone.map((m) => m.name) });
    } else if (command === 'status') {
      const [executed, pending] = await Promise.all([migrator.executed(), migrator.pending()]);
      logger.info('migration status', { executed: executed.map((m) => m.name), pending: pending.map((m) => m.name) });
    } else {
      throw new Error(`unknown command "${command}" (use up, down or status)`);
    }
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migration failed: ${(err as Error).message}\n`);
  process.exit(1);
});
