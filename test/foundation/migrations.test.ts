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

  it('gives every classroom that exists when 0090 runs a join code of its own', async () => {
    const migrator = createMigrator(sequelize);
    await migrator.down({ to: '0090-classroom-join-codes' });
    await sequelize.query(`INSERT INTO classrooms (id, name, academic_year, created_at, updated_at)
      SELECT gen_random_uuid(), 'Before codes ' || n, '2025/2026', now(), now() FROM generate_series(1, 3) n`);
    await migrator.up({ to: '0090-classroom-join-codes' });
    const codes = await sequelize.query<{ join_code: string }>(`SELECT join_code FROM classrooms WHERE name LIKE 'Before codes %'`, {
      type: QueryTypes.SELECT,
    });
    expect(codes).to.have.length(3);
    for (const { join_code } of codes) expect(join_code).to.match(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/);
    expect(new Set(codes.map((c) => c.join_code)).size).to.equal(3);
    await migrator.up();
  });

  it('records what ran in schema_migrations', async () => {
    const executed = await createMigrator(sequelize).executed();
    expect(executed.map((m) => m.name)).to.include('0001-accounts-core');
  });
});
