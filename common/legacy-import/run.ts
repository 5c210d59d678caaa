import type pg from 'pg';
import type { Sequelize } from 'sequelize';
import { ImportContext, runEntity, type EntitySpec } from './entity';
import { LegacySource } from './source';
import { UNHOMED_TABLES } from './schema';
import { admins, classNames, classrooms, students } from './people';
import { assignments, grades, submissions } from './learning';
import { announcements, contacts, discussionReplies, discussionThreads, events } from './site';
import {
  codingLabEvaluations,
  codingLabSubmissions,
  codingLabTasks,
  codingLabVersions,
  webLabAssignments,
  webLabEvaluations,
  webLabSubmissions,
  webLabVersions,
} from './web-lab';
import { exerciseSubmissions, exerciseTests, exercises, pythonSubmissions, pythonTasks, pythonTests } from './coding';
import type { ImportOptions, ImportReport, NotImportedReport, ProgressListener } from './types';
import type { Storage } from '../storage/types';

/** In dependency order: an entity's references are imported before it. */
export const ENTITIES: readonly EntitySpec<unknown>[] = [
  admins,
  classrooms,
  classNames,
  students,
  assignments,
  submissions,
  grades,
  pythonTasks,
  pythonTests,
  pythonSubmissions,
  exercises,
  exerciseTests,
  exerciseSubmissions,
  webLabAssignments,
  webLabSubmissions,
  webLabVersions,
  webLabEvaluations,
  codingLabTasks,
  codingLabSubmissions,
  codingLabVersions,
  codingLabEvaluations,
  announcements,
  events,
  contacts,
  discussionThreads,
  discussionReplies,
] as EntitySpec<unknown>[];

export interface RunDeps {
  sequelize: Sequelize;
  /** where readable legacy local files are copied; none: they are recorded as not copied */
  storage?: Storage;
  /** this run's row in legacy_import_runs, when it has one */
  runId?: string;
}

/**
 * One run (README.md#moving-from-the-old-gema): probes the legacy schema, then imports (or, for a dry
 * run or a verification, only reads) every entity from one snapshot of the legacy database, and
 * returns the report. Storing the report is the caller's (`recordRun`).
 */
export async function importLegacy(url: string, options: ImportOptions, deps: RunDeps, progress?: ProgressListener): Promise<ImportReport> {
  const lock = options.mode === 'import' ? await ImportLock.take(deps.sequelize) : undefined;
  // holding the lock, no other import is alive: one still shown running was killed, and this run resumes it
  if (lock) {
    await deps.sequelize.query(
      `UPDATE legacy_import_runs SET status = 'failed', error = 'interrupted: the process ended mid-run (the next import resumes it)', finished_at = now()
        WHERE status = 'running' AND mode = 'import' AND id IS DISTINCT FROM $1`,
      { bind: [deps.runId ?? null] },
    );
  }
  const source = new LegacySource(url);
  try {
    await source.open();
    const ctx = new ImportContext(deps.sequelize, source, options);
    if (deps.storage) ctx.notes.set('storage', deps.storage);
    const probe = source.probe();
    const entities = [];
    for (const spec of ENTITIES) entities.push(await runEntity(spec, ctx, progress));
    const notImported: NotImportedReport[] = [];
    for (const [table, reason] of Object.entries(UNHOMED_TABLES)) {
      if (source.hasTable(table)) notImported.push({ table, rows: await source.count(table), reason });
    }
    const { filesRoot: _filesRoot, ...shown } = options;
    return {
      mode: options.mode,
      options: shown,
      probe,
      entities,
      notImported,
      consistent: entities.every((e) => !e.checksum || e.checksum.match),
    };
  } finally {
    await source.close().catch(() => undefined);
    await lock?.release();
  }
}

/** One import at a time per GEMA database (two would race for the same legacy rows): a session advisory lock. */
class ImportLock {
  private static readonly KEY = 4_711_017;

  private constructor(
    private readonly sequelize: Sequelize,
    private readonly connection: pg.Client,
  ) {}

  static async take(sequelize: Sequelize): Promise<ImportLock> {
    const connection = (await sequelize.connectionManager.getConnection({ type: 'write' })) as unknown as pg.Client;
    const { rows } = await connection.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [ImportLock.KEY]);
    if (!rows[0]!.ok) {
      sequelize.connectionManager.releaseConnection(connection as never);
      throw new ImportRunningError();
    }
    return new ImportLock(sequelize, connection);
  }

  async release(): Promise<void> {
    try {
      await this.connection.query('SELECT pg_advisory_unlock($1)', [ImportLock.KEY]);
    } finally {
      this.sequelize.connectionManager.releaseConnection(this.connection as never);
    }
  }
}

export class ImportRunningError extends Error {
  constructor() {
    super('another legacy import is running against this GEMA database');
    this.name = 'ImportRunningError';
  }
}

/** A legacy database URL as shown in reports and logs: without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
