import type { Sequelize } from 'sequelize';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { NotFoundError, UnprocessableError } from '../errors';
import { LegacyImportRun } from '../models/legacy-import-run';
import { rooms } from '../realtime/events';
import type { RealtimePublisher } from '../realtime/publisher';
import { createStorage } from '../storage';
import { importLegacy } from './run';
import { finishRun } from './runs';
import type { ProgressEvent } from './types';

export interface LegacyJobDeps {
  sequelize: Sequelize;
  config: Config;
  logger: Logger;
  realtime: RealtimePublisher;
}

/** how often the run row's progress is written (every batch is published, not stored) */
const STORE_EVERY_MS = 1000;

/**
 * The `legacy-import` job (README.md#moving-from-the-old-gema): runs the import an admin started, with
 * the legacy database named by LEGACY_DATABASE_URL (never by the request: an admin cannot point the
 * server at an arbitrary host), publishing each batch's progress to that admin over Socket.IO.
 */
export async function runLegacyImportJob(deps: LegacyJobDeps, runId: string): Promise<void> {
  const run = await LegacyImportRun.findByPk(runId);
  if (!run) throw new NotFoundError('Legacy import run');
  if (run.status === 'completed' || run.status === 'failed') return;
  const url = deps.config.legacy.databaseUrl;
  if (!url) {
    await finishRun(run.id, { error: 'LEGACY_DATABASE_URL is not set on the worker' });
    publish(deps, run, 'failed', null);
    throw new UnprocessableError('LEGACY_SOURCE_NOT_CONFIGURED', 'LEGACY_DATABASE_URL is not set on the worker');
  }
  await run.update({ status: 'running', startedAt: new Date() });
  publish(deps, run, 'running', null);
  let stored = 0;
  const onProgress = (e: ProgressEvent) => {
    publish(deps, run, 'running', e);
    if (Date.now() - stored < STORE_EVERY_MS && e.done < e.total) return;
    stored = Date.now();
    LegacyImportRun.update({ progress: e }, { where: { id: run.id } }).catch((err: Error) =>
      deps.logger.warn('legacy import progress not stored', { runId, error: err.message }),
    );
  };
  const options = { ...run.options, filesRoot: deps.config.legacy.filesRoot };
  const report = await importLegacy(
    url,
    options,
    { sequelize: deps.sequelize, runId: run.id, storage: options.mode === 'import' ? createStorage(deps.config) : undefined },
    onProgress,
  );
  await finishRun(run.id, { report });
  publish(deps, run, 'completed', null);
}

/** After the last attempt: the run is marked failed with the reason, and its admin told. */
export async function failLegacyImportJob(deps: LegacyJobDeps, runId: string, message: string): Promise<void> {
  const run = await LegacyImportRun.findByPk(runId);
  if (!run || run.status === 'completed') return;
  await finishRun(run.id, { error: message });
  publish(deps, run, 'failed', null);
}

function publish(deps: LegacyJobDeps, run: LegacyImportRun, status: string, e: ProgressEvent | null): void {
  if (!run.startedBy) return;
  deps.realtime.publish(rooms.user(run.startedBy), 'legacy-import:progress', {
    runId: run.id,
    status,
    entity: e?.entity ?? null,
    done: e?.done ?? 0,
    total: e?.total ?? 0,
  });
}
