import { QueryTypes, type Sequelize } from 'sequelize';
import type { ImportOptions, ImportReport } from './types';
import { redactUrl } from './run';

/** `legacy_import_runs`: each run's options and report, shown to admins. */
export async function startRun(sequelize: Sequelize, url: string, options: ImportOptions, startedBy: string | null = null): Promise<string> {
  const { filesRoot: _f, ...shown } = options;
  const [row] = await sequelize.query<{ id: string }>(
    `INSERT INTO legacy_import_runs (mode, source, options, started_by) VALUES ($1, $2, $3::jsonb, $4) RETURNING id`,
    { bind: [options.mode, redactUrl(url), JSON.stringify(shown), startedBy], type: QueryTypes.SELECT },
  );
  return row!.id;
}

export async function finishRun(sequelize: Sequelize, id: string, outcome: { report: ImportReport } | { error: string }): Promise<void> {
  await sequelize.query(`UPDATE legacy_import_runs SET status = $2, report = $3::jsonb, error = $4, finished_at = now() WHERE id = $1`, {
    bind: [
      id,
      'report' in outcome ? 'completed' : 'failed',
      'report' in outcome ? JSON.stringify(outcome.report) : null,
      'error' in outcome ? outcome.error : null,
    ],
  });
}
