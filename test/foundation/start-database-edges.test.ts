import { expect } from 'chai';
import pg from 'pg';
import { databaseState, dropDatabase, ensureDatabase } from '../../common/db/database';
import { migrationNames } from '../../common/db/migration-files';
import { createSequelize } from '../../common/db/sequelize';
import { createMigrator } from '../../common/db/migrator';
import type { Logger } from '../../common/logger';
import { TEST_ENV } from '../support/env';

async function databaseExists(url: string): Promise<boolean> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = Object.assign(new URL(url), { pathname: '/postgres' }).toString();
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/** `npm start`'s database step where it meets what it did not expect (scripts/start.ts). */
describe("npm start's database step, at its edges", function () {
  this.timeout(60_000);
  const url = `${TEST_ENV.DATABASE_URL}_start_edges`;

  afterEach(() => dropDatabase(url));

  it('creates a database that does not exist yet, and says so', async () => {
    expect(await databaseExists(url)).to.equal(false);
    expect(await ensureDatabase(url)).to.equal(true);
    expect(await databaseExists(url)).to.equal(true);
  });

  it('leaves a database that exists alone, and says it created nothing', async () => {
    await ensureDatabase(url);
    expect(await ensureDatabase(url)).to.equal(false);
  });

  it('creates a database with a double quote in its name', async () => {
    const odd = `${TEST_ENV.DATABASE_URL}_q%22uote`;
    try {
      expect(await ensureDatabase(odd)).to.equal(true);
      expect(await databaseExists(odd)).to.equal(true);
    } finally {
      await dropDatabase(odd);
    }
    expect(await databaseExists(odd)).to.equal(false);
  });

  it('lets several starts create the same database at once, and only one says it created it', async () => {
    const results = await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);
    expect(results.filter(Boolean)).to.deep.equal([true]);
    expect(await databaseExists(url)).to.equal(true);
  });

  it('rejects when PostgreSQL is not there', async () => {
    const nowhere = Object.assign(new URL(url), { port: '1' }).toString();
    const err = await ensureDatabase(nowhere).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/ECONNREFUSED/);
  });

  it('asks for TLS when the configuration says so, and fails against a server without it', async () => {
    await ensureDatabase(url);
    const err = await databaseState(url, migrationNames(), { ssl: true }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('The server does not support SSL connections');
  });

  it('asks for TLS when creating the database if the configuration says so, and fails against a server without it', async () => {
    const err = await ensureDatabase(url, { ssl: true }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('The server does not support SSL connections');
    expect(await databaseExists(url)).to.equal(false);
  });

  it('asks for TLS when dropping the database if the configuration says so', async () => {
    await ensureDatabase(url);
    const err = await dropDatabase(url, { ssl: true }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('The server does not support SSL connections');
    expect(await databaseExists(url)).to.equal(true);
  });

  it('logs each migration it applies through the logger it is given', async () => {
    await ensureDatabase(url);
    const sequelize = createSequelize({ db: { url, poolMax: 2, ssl: false, logSql: false, connectTimeoutMs: 2000 } });
    const lines: Array<[string, string, unknown]> = [];
    const record = (level: string) => (message: string, fields?: unknown) => void lines.push([level, message, fields]);
    const logger = { info: record('info'), warn: record('warn'), error: record('error'), debug: record('debug') } as unknown as Logger;
    try {
      const applied = await createMigrator(sequelize, logger).up();
      const logged = lines.filter(([level, message]) => level === 'info' && message === 'migration');
      expect(logged.length).to.be.at.least(applied.length);
      expect(logged.map(([, , fields]) => (fields as { event: string }).event)).to.include('migrated');
    } finally {
      await sequelize.close();
    }
  });
});
