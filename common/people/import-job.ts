import { User, StudentImport } from '../models';
import { rooms } from '../realtime/events';
import type { RealtimePublisher } from '../realtime/publisher';
import { parseStudentCsv } from './student-csv';
import { applyImport, planImport, type ApplyDeps, type ImportSummary } from './student-import';

export interface ImportJobDeps extends ApplyDeps {
  realtime: RealtimePublisher;
  maxRows: number;
}

/**
 * Runs a queued import (README.md#admin-bulk-import-and-export). The school may have changed since
 * the upload was checked, so the file is planned again: a row refused now fails the whole import,
 * as it would have inline. Progress goes to the requester's socket room and the status row.
 */
export async function runQueuedImport(deps: ImportJobDeps, importId: string): Promise<ImportSummary | null> {
  const record = await StudentImport.findByPk(importId);
  if (!record || record.status === 'done' || record.status === 'failed' || record.csv === null) return null;
  const requester = record.requestedBy ? await User.findByPk(record.requestedBy, { attributes: ['id', 'role'] }) : null;
  if (!requester || (requester.role !== 'admin' && requester.role !== 'teacher')) {
    await finish(record, { status: 'failed', error: 'The account that asked for the import may no longer import students' });
    return null;
  }
  const actor = { id: requester.id, role: requester.role };
  await record.update({ status: 'running', done: 0 });

  const rows = parseStudentCsv(record.csv, deps.maxRows);
  const plan = await planImport(deps.sequelize, rows, actor, { hasInitialPassword: record.initialPasswordHash !== null });
  if (plan.refused > 0) {
    await finish(record, {
      status: 'failed',
      error: `${plan.refused} rows are refused now; nothing was imported`,
      refused: plan.results.filter((r) => r.status === 'refused'),
    });
    publish(deps, record, 'failed');
    return null;
  }
  const summary = await applyImport(deps, plan, actor, record.initialPasswordHash, async (done, total) => {
    await record.update({ done, total });
    publish(deps, record, 'running');
  });
  await finish(record, { status: 'done', summary });
  publish(deps, record, 'done');
  return summary;
}

/** For a job that used its last attempt: the status route must not say "running" forever. */
export async function failQueuedImport(importId: string, message: string): Promise<void> {
  const record = await StudentImport.findByPk(importId);
  if (record && record.status !== 'done') await finish(record, { status: 'failed', error: message });
}

function finish(record: StudentImport, outcome: Pick<StudentImport, 'status'> & Partial<Pick<StudentImport, 'error' | 'summary' | 'refused'>>) {
  // the file and the password hash are not kept once the import has ended
  return record.update({ ...outcome, csv: null, initialPasswordHash: null, finishedAt: new Date() });
}

/** Fire and forget, through the Redis emitter: a lost progress event is made up by the status route. */
function publish(deps: ImportJobDeps, record: StudentImport, status: string): void {
  if (!record.requestedBy) return;
  deps.realtime.publish(rooms.user(record.requestedBy), 'import:progress', {
    importId: record.id,
    status,
    done: record.done,
    total: record.total,
  });
}
