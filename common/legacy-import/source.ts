import pg from 'pg';
import type { ProbeReport } from './types';
import { LEGACY_TABLES, UNHOMED_TABLES } from './schema';

export type LegacyRow = Record<string, unknown>;

const TIMESTAMP_WITHOUT_TZ = 1114;
const INT8 = 20;
const NUMERIC = 1700;

/** The legacy app wrote UTC into `timestamp(3) without time zone`: read it as UTC, whatever the host's zone. */
function getTypeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === TIMESTAMP_WITHOUT_TZ) return (v: string) => new Date(`${v.replace(' ', 'T')}Z`);
  if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
  return pg.types.getTypeParser(oid, format as 'text');
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The legacy database, read only: one `REPEATABLE READ, READ ONLY` transaction for the whole run, so
 * every table is read from the same snapshot while the old app keeps taking writes, and the
 * importer cannot write there even by mistake.
 */
export class LegacySource {
  private readonly client: pg.Client;
  private columns = new Map<string, Set<string>>();
  private cursors = 0;

  constructor(url: string) {
    this.client = new pg.Client({ connectionString: url, types: { getTypeParser } as pg.CustomTypesConfig, application_name: 'gema-legacy-import' });
  }

  async open(): Promise<void> {
    await this.client.connect();
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await this.client.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    );
    for (const r of rows) {
      let set = this.columns.get(r.table_name);
      if (!set) this.columns.set(r.table_name, (set = new Set()));
      set.add(r.column_name);
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.query('ROLLBACK');
    } finally {
      await this.client.end();
    }
  }

  hasTable(table: string): boolean {
    return this.columns.has(table);
  }

  hasColumn(table: string, column: string): boolean {
    return this.columns.get(table)?.has(column) ?? false;
  }

  /** `"col"` when the column exists, `NULL` otherwise: a missing optional column reads as empty (and the probe reports it). */
  col(table: string, column: string, alias = 't'): string {
    return this.hasColumn(table, column) ? `${alias}.${ident(column)}` : 'NULL';
  }

  probe(): ProbeReport {
    const known = new Set([...Object.keys(LEGACY_TABLES), ...Object.keys(UNHOMED_TABLES)]);
    const report: ProbeReport = { tablesFound: [], tablesMissing: [], extraTables: [], columnsMissing: {}, columnsExtra: {} };
    for (const [table, columns] of Object.entries(LEGACY_TABLES)) {
      const have = this.columns.get(table);
      if (!have) {
        report.tablesMissing.push(table);
        continue;
      }
      report.tablesFound.push(table);
      const missing = columns.filter((c) => !have.has(c));
      const extra = [...have].filter((c) => !columns.includes(c));
      if (missing.length) report.columnsMissing[table] = missing;
      if (extra.length) report.columnsExtra[table] = extra;
    }
    for (const table of this.columns.keys()) {
      if (!known.has(table) && table !== '_prisma_migrations') report.extraTables.push(table);
    }
    return report;
  }

  async count(table: string): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(table)}`);
    return rows[0]!.n;
  }

  async query<T extends pg.QueryResultRow = LegacyRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query<T>(sql, params)).rows;
  }

  /** Reads a query in batches through a cursor inside the run's snapshot. */
  async *batches(sql: string, size: number): AsyncGenerator<LegacyRow[]> {
    const name = `legacy_cursor_${++this.cursors}`;
    await this.client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`);
    try {
      for (;;) {
        const { rows } = await this.client.query<LegacyRow>(`FETCH ${size} FROM ${name}`);
        if (!rows.length) return;
        yield rows;
      }
    } finally {
      await this.client.query(`CLOSE ${name}`);
    }
  }
}

export { ident };
