import type { Sequelize, Transaction } from 'sequelize';

/** A column the importer writes: its name in GEMA's table and the type `jsonb_to_recordset` reads it as. */
export type Column = readonly [name: string, type: string];

const recordset = (columns: readonly Column[]) => columns.map(([n, t]) => `${n} ${t}`).join(', ');

/**
 * One statement per batch: the rows travel as one JSON parameter, unpacked by `jsonb_to_recordset`,
 * so a batch of 500 costs one round trip whatever its width.
 */
export async function insertRows(
  sequelize: Sequelize,
  tx: Transaction,
  table: string,
  columns: readonly Column[],
  rows: Record<string, unknown>[],
  onConflict = '',
): Promise<void> {
  if (!rows.length) return;
  const names = columns.map(([n]) => n).join(', ');
  await sequelize.query(
    `INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS r(${recordset(columns)}) ${onConflict}`,
    { bind: [JSON.stringify(rows)], transaction: tx },
  );
}

/** Updates rows by id; `set` overrides the plain `col = r.col` of a column (e.g. to keep a GEMA-side value). */
export async function updateRows(
  sequelize: Sequelize,
  tx: Transaction,
  table: string,
  columns: readonly Column[],
  rows: Record<string, unknown>[],
  set: Record<string, string> = {},
): Promise<void> {
  if (!rows.length) return;
  const assignments = columns
    .filter(([n]) => n !== 'id')
    .map(([n]) => `${n} = ${set[n] ?? `r.${n}`}`)
    .join(', ');
  await sequelize.query(`UPDATE ${table} AS t SET ${assignments} FROM jsonb_to_recordset($1::jsonb) AS r(${recordset(columns)}) WHERE t.id = r.id`, {
    bind: [JSON.stringify(rows)],
    transaction: tx,
  });
}
