import pg from 'pg';

/**
 * The database as a whole: create, drop, and what `npm start` must do to it before the processes run.
 * Only pg here, no Sequelize: `npm start`'s supervisor imports this and stays a thin process manager.
 */
function adminUrl(databaseUrl: string): { admin: string; database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  return { admin: url.toString(), database };
}

const ALREADY_EXISTS = new Set(['42P04', '23505']);

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `DATABASE_SSL`: the same TLS the processes' own connections use (common/db/sequelize.ts). */
export interface DatabaseOptions {
  ssl?: boolean;
}

const tls = (opts: DatabaseOptions) => (opts.ssl ? { ssl: { rejectUnauthorized: false } } : {});

/**
 * Creates the database named in the URL when it does not exist yet (the quick start needs no manual
 * step); true only when this call created it.
 */
export async function ensureDatabase(databaseUrl: string, opts: DatabaseOptions = {}): Promise<boolean> {
  const { admin, database } = adminUrl(databaseUrl);
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 3000, ...tls(opts) });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } catch (err) {
      // another process created it in the meantime: 42P04 once its CREATE has committed, 23505 on
      // pg_database's unique name index while the two run at once
      if (!ALREADY_EXISTS.has((err as { code?: string }).code ?? '')) throw err;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string, opts: DatabaseOptions = {}): Promise<void> {
  const { admin, database } = adminUrl(databaseUrl);
  const client = new pg.Client({ connectionString: admin, ...tls(opts) });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export interface DatabaseState {
  /** migration names (without extension) not recorded in schema_migrations */
  pendingMigrations: string[];
  /** any user row exists, deleted ones included (the demo seed's own test) */
  seeded: boolean;
}

/**
 * What start-up has to do, read with three cheap queries instead of loading the migrator and the
 * models: umzug records applied migrations by name in schema_migrations, and the demo seed runs only
 * on a database without users.
 */
export async function databaseState(databaseUrl: string, migrationNames: string[], opts: DatabaseOptions = {}): Promise<DatabaseState> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000, ...tls(opts) });
  await client.connect();
  try {
    const tables = await client.query<{ migrations: boolean; users: boolean }>(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS migrations, to_regclass('users') IS NOT NULL AS users",
    );
    const { migrations, users } = tables.rows[0]!;
    const applied = migrations
      ? new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name))
      : new Set<string>();
    const seeded = users ? (await client.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS any')).rows[0]!.any : false;
    return { pendingMigrations: migrationNames.filter((n) => !applied.has(n)), seeded };
  } finally {
    await client.end();
  }
}
