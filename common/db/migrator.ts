import { Umzug, SequelizeStorage } from 'umzug';
import type { QueryInterface, Sequelize } from 'sequelize';
import type { Logger } from '../logger';
import { MIGRATIONS_DIR } from './migration-files';
import { BUNDLED_MIGRATIONS, type BundledMigration } from './bundled-migrations';

export type MigrationContext = { queryInterface: QueryInterface; sequelize: Sequelize };
export interface Migration {
  up(params: { context: MigrationContext }): Promise<void>;
  down(params: { context: MigrationContext }): Promise<void>;
}

/** The bundle's migrations as umzug runs them: by name, each module evaluated only when its step runs. */
const fromBundle = (migrations: readonly BundledMigration[]) =>
  migrations.map(({ name, load }) => ({
    name,
    up: ({ context }: { context: MigrationContext }) => load().up({ context }),
    down: ({ context }: { context: MigrationContext }) => load().down({ context }),
  }));

export function createMigrator(sequelize: Sequelize, logger?: Logger, bundled: readonly BundledMigration[] | undefined = BUNDLED_MIGRATIONS) {
  return new Umzug<MigrationContext>({
    migrations: bundled
      ? fromBundle(bundled)
      : {
          glob: ['*.{ts,js}', { cwd: MIGRATIONS_DIR, ignore: ['*.d.ts'] }],
          resolve: ({ name, path: file, context }) => {
            // umzug resolves every file to list them (pending() and an up() with nothing to do included):
            // the module is required only when its step runs, so an up-to-date database loads none of them.
            // umzug resolves synchronously, and a migration is a CommonJS module found by path at run time
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const load = () => require(file!) as Migration;
            return {
              // the same name whether the file ran as .ts or compiled .js
              name: name.replace(/\.(ts|js)$/, ''),
              up: () => load().up({ context }),
              down: () => load().down({ context }),
            };
          },
        },
    context: { queryInterface: sequelize.getQueryInterface(), sequelize },
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger
      ? {
          info: (m) => logger.info('migration', m),
          warn: (m) => logger.warn('migration', m),
          error: (m) => logger.error('migration', m),
          debug: () => undefined,
        }
      : undefined,
  });
}
