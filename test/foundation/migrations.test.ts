import { expect } from 'chai';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createSequelize, ensureDatabase, dropDatabase } from '../../common/db/sequelize';
import { createMigrator } from '../../common/db/migrator';
import { TEST_ENV } from '../support/env';

/** Tables, columns, constraints and indexes: enough to see whether two schemas are the same. */
async function schemaOf(sequelize: Sequelize): Promise<string[]> {
  const [columns] = await sequelize.query(`
    SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS d
    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`);
  const [constraints] = await sequelize.query(`
    SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`);
  const [indexes] = await sequelize.query(`SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`);
  return [...columns, ...constraints, ...indexes].map((r) => (r as { d: string }).d);
}

describe('migrations', () => {
  const url = `${TEST_ENV.DATABASE_URL}_migrations`;
  let sequelize: Sequelize;

  before(async () => {
    await ensureDatabase(url);
    sequelize = createSequelize({ db: { url, poolMax: 2, ssl: false, logSql: false, connectTimeoutMs: 2000 } });
  });

  after(async () => {
    await sequelize.close();
    await dropDatabase(url);
  });

  it('go up, all the way down, and up again to the same schema', async function () {
    this.timeout(60_000);
    const migrator = createMigrator(sequelize);
    const applied = await migrator.up();
    expect(applied.length).to.be.greaterThan(0);
    const first = await schemaOf(sequelize);

    await migrator.down({ to: 0 });
    const tables = await sequelize.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
      { type: QueryTypes.SELECT },
    );
    expect(tables, 'tables left after migrating down').to.deep.equal([]);

    await migrator.up();
    expect(await schemaOf(sequelize)).to.deep.equal(first);
  });

  it('records what ran in schema_migrations', async () => {
    const executed = await createMigrator(sequelize).executed();
    expect(executed.map((m) => m.name)).to.include('0001-accounts-core');
  });
});
