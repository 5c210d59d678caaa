import { LegacyImportRun } from '../models/legacy-import-run';
import type { ImportOptions, ImportReport } from './types';
import { redactUrl } from './run';

/** `legacy_import_runs`: each run's options and report, shown to admins (README.md#moving-from-the-old-gema). */
export async function createRun(
  url: string,
  options: ImportOptions,
  startedBy: string | null,
  status: 'queued' | 'running',
): Promise<LegacyImportRun> {
  const { filesRoot: _filesRoot, ...stored } = options;
  return LegacyImportRun.create({
    mode: options.mode,
    status,
    source: redactUrl(url),
    options: stored,
    startedBy,
    startedAt: status === 'running' ? new Date() : null,
  });
}

export async function finishRun(id: string, outcome: { report: ImportReport } | { error: string }): Promise<void> {
  await LegacyImportRun.update(
    'report' in outcome
      ? { status: 'completed', report: outcome.report, finishedAt: new Date() }
      : { status: 'failed', error: outcome.error, finishedAt: new Date() },
    { where: { id } },
  );
}
