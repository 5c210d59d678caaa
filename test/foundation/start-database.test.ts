import { expect } from 'chai';
import type { Sequelize } from 'sequelize';
import { createSequelize } from '../../common/db/sequelize';
import { databaseState, dropDatabase, ensureDatabase } from '../../common/db/database';
import { createMigrator } from '../../common/db/migrator';
import { MIGRATIONS_DIR, migrationNames } from '../../common/db/migration-files';
import { TEST_ENV } from '../support/env';

/** What `npm start`'s supervisor reads before it decides to migrate and seed (scripts/start.ts). */
describe("npm start's look at the database", function () {
  this.timeout(60_000);
  const url = `${TEST_ENV.DATABASE_URL}_start_state`;
  let sequelize: Sequelize;

  before(async () => {
    await ensureDatabase(url);
    sequelize = createSequelize({ db: { url, poolMax: 2, ssl: false, logSql: false, connectTimeoutMs: 2000 } });
  });

  after(async () => {
    await sequelize.close();
    await dropDatabase(url);
  });

  it('finds every migration pending and no demo school in a new database', async () => {
    const state = await databaseState(url, migrationNames());
    expect(state).to.deep.equal({ pendingMigrations: migrationNames(), seeded: false });
  });

  it('names the migrations as the migrator records them', async () => {
    await createMigrator(sequelize).up();
    const executed = (await createMigrator(sequelize).executed()).map((m) => m.name);
    expect(migrationNames()).to.deep.equal(executed);
  });

  it('finds none pending once migrated, and no demo school while there is no user', async () => {
    expect(await databaseState(url, migrationNames())).to.deep.equal({ pendingMigrations: [], seeded: false });
  });

  it('finds a migration pending when its file is newer than the database', async () => {
    const state = await databaseState(url, [...migrationNames(), '9999-not-yet-applied']);
    expect(state.pendingMigrations).to.deep.equal(['9999-not-yet-applied']);
  });

  it('counts a database with a user, even a deleted one, as seeded (the seed would skip it)', async () => {
    await sequelize.query(`INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at, deleted_at)
      VALUES (gen_random_uuid(), 'gone@example.test', 'Gone', 'student', 'x', now(), now(), now())`);
    expect((await databaseState(url, migrationNames())).seeded).to.equal(true);
  });

  it('loads no migration file when none is pending', async () => {
    for (const file of Object.keys(require.cache)) if (file.startsWith(MIGRATIONS_DIR)) delete require.cache[file];
    const applied = await createMigrator(sequelize).up();
    expect(applied).to.deep.equal([]);
    expect(Object.keys(require.cache).filter((file) => file.startsWith(MIGRATIONS_DIR))).to.deep.equal([]);
  });
});
