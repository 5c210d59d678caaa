import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { StudentImport } from '../../../common/models';
import { enqueue, type Queues } from '../../../common/queues';
import { studentImportJobId } from '../../../common/queues/jobs/student-import';
import type { Config } from '../../../common/config';
import type { Logger } from '../../../common/logger';
import { BadRequestError, NotFoundError, UnprocessableError } from '../../../common/errors';
import { CsvFormatError, parseStudentCsv } from '../../../common/people/student-csv';
import { applyImport, planImport, type ImportActor, type ImportSummary, type RowResult } from '../../../common/people/student-import';
import type { Actor } from '../../access/classrooms';
import type { Passwords } from '../../auth/passwords';
import type { ImportOptions } from './schemas';

export interface ImportServiceDeps {
  sequelize: Sequelize;
  redis: Redis;
  queues: Queues;
  logger: Logger;
  config: Config;
  passwords: Passwords;
}

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  refused: number;
}

export type ImportOutcome =
  | { kind: 'checked'; counts: ImportCounts; rows: RowResult[] }
  | { kind: 'imported'; counts: ImportCounts; summary: ImportSummary; rows: RowResult[] }
  | { kind: 'queued'; import: StudentImportView };

export interface StudentImportView {
  id: string;
  status: string;
  total: number;
  done: number;
  summary: ImportSummary | null;
  refused: RowResult[] | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

const view = (r: StudentImport): StudentImportView => ({
  id: r.id,
  status: r.status,
  total: r.total,
  done: r.done,
  summary: r.summary ?? null,
  refused: r.refused ?? null,
  error: r.error ?? null,
  createdAt: r.createdAt,
  finishedAt: r.finishedAt ?? null,
});

/**
 * Student CSV import (README.md#admin-bulk-import-and-export): a dry run answers each row's fate;
 * otherwise all rows are written or none. Large files are handed to the `student-import` worker.
 */
export class StudentImportService {
  constructor(private readonly d: ImportServiceDeps) {}

  async run(actor: Actor, csv: string, opts: ImportOptions): Promise<ImportOutcome> {
    if (actor.role !== 'admin' && actor.role !== 'teacher') throw new NotFoundError('Classroom');
    const importer: ImportActor = { id: actor.id, role: actor.role };
    let rows;
    try {
      rows = parseStudentCsv(csv, this.d.config.studentImport.maxRows);
    } catch (err) {
      if (err instanceof CsvFormatError) throw new BadRequestError('INVALID_CSV', err.message);
      throw err;
    }
    if (rows.length === 0) throw new BadRequestError('INVALID_CSV', 'The file has a header but no rows');
    const plan = await planImport(this.d.sequelize, rows, importer, { hasInitialPassword: Boolean(opts.initialPassword) });
    const counts = { rows: rows.length, created: plan.creates.length, updated: plan.updates.length, refused: plan.refused };
    if (opts.dryRun) return { kind: 'checked', counts, rows: plan.results };
    if (plan.refused > 0) {
      throw new UnprocessableError('IMPORT_REFUSED', `${plan.refused} of ${rows.length} rows are refused; nothing was imported`, {
        counts,
        rows: plan.results.filter((r) => r.status === 'refused'),
      });
    }
    // one hash for the whole file: bcrypt per row would take minutes for a school
    const hash = opts.initialPassword && plan.creates.some((c) => !c.email) ? await this.d.passwords.hash(opts.initialPassword) : null;
    if (rows.length <= this.d.config.studentImport.inlineRows) {
      const summary = await applyImport(this.applyDeps(), plan, importer, hash);
      return { kind: 'imported', counts, summary, rows: plan.results };
    }
    const record = await StudentImport.create({ requestedBy: actor.id, total: rows.length, csv, initialPasswordHash: hash });
    await enqueue(this.d.queues, 'student-import', { importId: record.id }, { jobId: studentImportJobId(record.id) });
    return { kind: 'queued', import: view(record) };
  }

  /** Readable by whoever asked for it and by admins; anyone else gets 404. */
  async get(actor: Actor, id: string): Promise<StudentImportView> {
    const record = await StudentImport.findByPk(id, { attributes: { exclude: ['csv', 'initialPasswordHash'] } });
    if (!record || (actor.role !== 'admin' && record.requestedBy !== actor.id)) throw new NotFoundError('Import');
    return view(record);
  }

  private applyDeps() {
    return {
      ...this.d,
      redisPrefix: this.d.config.redis.prefix,
      accessTtlSeconds: this.d.config.auth.accessTtlSeconds,
    };
  }
}
