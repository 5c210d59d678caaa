import crypto from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { LegacyRow, LegacySource } from './source';
import type { EntityReport, ImportOptions, ProgressListener } from './types';

export interface Skip {
  skip: string;
}
export const skip = (reason: string): Skip => ({ skip: reason });
const isSkip = (v: unknown): v is Skip => typeof v === 'object' && v !== null && 'skip' in v;

export interface Planned<V> {
  legacyId: string;
  newId: string;
  isNew: boolean;
  values: V;
  row: LegacyRow;
}

/** What the entities share during a run: options, the GEMA database, and legacy id → new id per entity. */
export class ImportContext {
  private readonly ids = new Map<string, Map<string, { newId: string; checksum: string }>>();
  /** per entity: set by its mapper for the entities after it (e.g. the classroom of each class name) */
  readonly notes = new Map<string, unknown>();

  constructor(
    readonly sequelize: Sequelize,
    readonly source: LegacySource,
    readonly options: ImportOptions,
  ) {}

  get writes(): boolean {
    return this.options.mode === 'import';
  }

  async mapOf(entity: string): Promise<Map<string, { newId: string; checksum: string }>> {
    let m = this.ids.get(entity);
    if (m) return m;
    const rows = await this.sequelize.query<{ legacy_id: string; new_id: string; checksum: string }>(
      'SELECT legacy_id, new_id, checksum FROM legacy_import_map WHERE entity = $1',
      { bind: [entity], type: QueryTypes.SELECT },
    );
    m = new Map(rows.map((r) => [r.legacy_id, { newId: r.new_id, checksum: r.checksum }]));
    this.ids.set(entity, m);
    return m;
  }

  /** The GEMA id a legacy row became, or undefined when it was not imported (skipped, or absent). */
  async resolve(entity: string, legacyId: unknown): Promise<string | undefined> {
    if (legacyId === null || legacyId === undefined) return undefined;
    return (await this.mapOf(entity)).get(String(legacyId))?.newId;
  }
}

export interface EntitySpec<V> {
  entity: string;
  table: string;
  /** columns without which the table cannot be mapped at all */
  required: readonly string[];
  /** the full SELECT (alias `t`) in a stable order (by id unless the entity needs another); optional columns through `source.col()` */
  select(source: LegacySource): string;
  /** rows the select will read, for progress; the table's row count when unset */
  count?(source: LegacySource): Promise<number>;
  /** runs once before the first batch (e.g. to read lookups) */
  prepare?(ctx: ImportContext): Promise<void>;
  map(row: LegacyRow, ctx: ImportContext, warn: (code: string) => void, existing: string | undefined): Promise<V | Skip> | V | Skip;
  /** writes a batch inside its transaction: new rows inserted with `newId`, changed rows updated */
  write(batch: Planned<V>[], tx: Transaction, ctx: ImportContext): Promise<void>;
  /** the fields that must survive unchanged, from the legacy side, in the order `gemaKeys` selects them */
  legacyKey(row: LegacyRow): (string | null)[];
  /** `SELECT m.legacy_id, ARRAY[...]::text[] AS k FROM legacy_import_map m JOIN … WHERE m.entity = '<entity>'` */
  gemaKeys: string;
}

const rowChecksum = (row: LegacyRow) =>
  crypto
    .createHash('sha256')
    .update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('hex');

function digest(entries: Map<string, string>): string {
  const h = crypto.createHash('sha256');
  for (const id of [...entries.keys()].sort()) h.update(`${id}\u001f${entries.get(id)}\u001e`);
  return h.digest('hex');
}

export function emptyReport(entity: string, table: string): EntityReport {
  return { entity, table, read: 0, imported: 0, updated: 0, unchanged: 0, skipped: {}, warnings: {}, pending: 0 };
}

/**
 * One entity, batch by batch. A batch's rows and their map entries are written in one transaction,
 * so a run killed between batches resumes where it stopped: the rows of committed batches are found
 * in the map (with their checksum) and left alone.
 */
export async function runEntity<V>(spec: EntitySpec<V>, ctx: ImportContext, progress?: ProgressListener): Promise<EntityReport> {
  const report = emptyReport(spec.entity, spec.table);
  const { source } = ctx;
  if (!source.hasTable(spec.table)) {
    report.missing = 'table not found';
    return report;
  }
  const lacking = spec.required.filter((c) => !source.hasColumn(spec.table, c));
  if (lacking.length) {
    report.missing = `required columns not found: ${lacking.join(', ')}`;
    return report;
  }
  await spec.prepare?.(ctx);
  const total = spec.count ? await spec.count(source) : await source.count(spec.table);
  const map = await ctx.mapOf(spec.entity);
  const legacyKeys = new Map<string, string>();
  progress?.({ entity: spec.entity, done: 0, total });

  for await (const rows of source.batches(spec.select(source), ctx.options.batchSize)) {
    const batch: Planned<V>[] = [];
    const mapRows: MapRow[] = [];
    for (const row of rows) {
      report.read++;
      const legacyId = String(row.id);
      const checksum = rowChecksum(row);
      const known = map.get(legacyId);
      if (known && known.checksum === checksum) {
        report.unchanged++;
        legacyKeys.set(legacyId, JSON.stringify(spec.legacyKey(row)));
        continue;
      }
      const warnings = new Set<string>();
      const mapped = await spec.map(row, ctx, (code) => warnings.add(code), known?.newId);
      if (isSkip(mapped)) {
        report.skipped[mapped.skip] = (report.skipped[mapped.skip] ?? 0) + 1;
        continue;
      }
      for (const w of warnings) report.warnings[w] = (report.warnings[w] ?? 0) + 1;
      report.pending++;
      // a legacy row may stand for a GEMA row that already exists (an admin's account, a classroom)
      // or a mapper may choose the new id itself, to point later rows of the same batch at it
      const { linkTo, assignId } = mapped as { linkTo?: string; assignId?: string };
      const newId = known?.newId ?? linkTo ?? assignId ?? crypto.randomUUID();
      batch.push({ legacyId, newId, isNew: !known, values: mapped, row });
      const updatedAt = row.updatedAt instanceof Date ? row.updatedAt.toISOString() : null;
      mapRows.push({ entity: spec.entity, legacy_id: legacyId, new_id: newId, source_updated_at: updatedAt, checksum });
    }
    if (batch.length && ctx.writes) {
      await writeBatch(spec, ctx, batch, mapRows);
    }
    for (const p of batch) {
      if (ctx.writes) {
        if (p.isNew) report.imported++;
        else report.updated++;
      }
      // later entities resolve references to these rows, also in a dry run that writes nothing
      map.set(p.legacyId, { newId: p.newId, checksum: mapRows.find((m) => m.legacy_id === p.legacyId)!.checksum });
      if (ctx.writes || !p.isNew) legacyKeys.set(p.legacyId, JSON.stringify(spec.legacyKey(p.row)));
    }
    progress?.({ entity: spec.entity, done: report.read, total });
  }
  if (ctx.writes) report.pending = 0;
  if (ctx.options.mode !== 'dry-run') report.checksum = await compareKeys(spec, ctx, legacyKeys);
  return report;
}

type MapRow = { entity: string; legacy_id: string; new_id: string; source_updated_at: string | null; checksum: string };

/** A batch's rows and their map entries, in one transaction; a failure names the entity and the batch's first legacy id. */
async function writeBatch<V>(spec: EntitySpec<V>, ctx: ImportContext, batch: Planned<V>[], mapRows: MapRow[]): Promise<void> {
  try {
    await ctx.sequelize.transaction(async (tx) => {
      await spec.write(batch, tx, ctx);
      await ctx.sequelize.query(
        `INSERT INTO legacy_import_map (entity, legacy_id, new_id, source_updated_at, checksum)
             SELECT r.entity, r.legacy_id, r.new_id, r.source_updated_at, r.checksum
               FROM jsonb_to_recordset($1::jsonb) AS r(entity text, legacy_id text, new_id uuid, source_updated_at timestamptz, checksum text)
             ON CONFLICT (entity, legacy_id) DO UPDATE
               SET new_id = EXCLUDED.new_id, source_updated_at = EXCLUDED.source_updated_at,
                   checksum = EXCLUDED.checksum, imported_at = now()`,
        { bind: [JSON.stringify(mapRows)], transaction: tx },
      );
    });
  } catch (err) {
    const cause = (err as { original?: Error }).original ?? (err as Error);
    throw new Error(`${spec.entity} (batch from legacy id ${batch[0]!.legacyId}): ${cause.message}`, { cause: err });
  }
}

/** Hashes the key fields of every mapped row on both sides and names the rows that differ. */
async function compareKeys<V>(spec: EntitySpec<V>, ctx: ImportContext, legacyKeys: Map<string, string>): Promise<EntityReport['checksum']> {
  const rows = await ctx.sequelize.query<{ legacy_id: string; k: (string | null)[] }>(spec.gemaKeys, { type: QueryTypes.SELECT });
  const gemaKeys = new Map(rows.map((r) => [r.legacy_id, JSON.stringify(r.k)]));
  const differing: string[] = [];
  for (const id of new Set([...legacyKeys.keys(), ...gemaKeys.keys()])) {
    if (legacyKeys.get(id) !== gemaKeys.get(id)) differing.push(id);
  }
  differing.sort();
  const legacy = digest(legacyKeys);
  const gema = digest(gemaKeys);
  return { legacy, gema, rows: legacyKeys.size, match: legacy === gema, differing: differing.slice(0, 20) };
}
